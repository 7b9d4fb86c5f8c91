import { AUTHELIA, CROWDSEC, HOMEPAGE, SOCKET_PROXY, SOCKET_PROXY_PORT } from "../config/catalog";
import type { StackConfig } from "../config/schema";
import { planAuthelia } from "./authelia";
import { containerSpecs } from "./containers";
import type { Naming } from "./naming";
import { planCrowdSec } from "./crowdsec";
import { homepageFiles } from "./dashboard";
import { autheliaMiddlewareLabels, ProxyContext, TRAEFIK_API, traefikFiles, traefikRouteLabels } from "./proxy";
import { swagAutheliaFiles, swagCertificate, swagProxyConf } from "./swag";
import { tunnelPeerAddress, type TlsPlan } from "./tls";
import { ENDPOINT_ARGS, planSocketProxy, SOCKET_PROXY_RULES_FILE, socketProxyRulesFile } from "./socketProxy";
import type { Widget } from "./wiring";
import type { AutheliaPlan, PlannedContainer, PlannedSecret, PlanProblem, ResolvedService, Route, SocketProxyPlan } from "./types";

export const ACME_TOKEN_SECRET = "acme-cloudflare-api-token";

export interface HostSlice {
  secrets: PlannedSecret[];
  socketProxy?: SocketProxyPlan;
  authelia?: AutheliaPlan;
  problems: PlanProblem[];
}

/**
 * Wires the host stack's infrastructure into the planned containers: proxy routes (Traefik labels or SWAG
 * confs), Authelia's config and forward-auth, CrowdSec and its bouncer, the socket proxy's rules and the
 * Homepage dashboard. Everything is plain data on the containers (env, secret env names, labels, files);
 * the Pulumi layer only translates it. `routes` gains Traefik's own dashboard route.
 */
export function planHostStack(
  cfg: StackConfig,
  services: ResolvedService[],
  containers: PlannedContainer[],
  routes: Route[],
  names: Naming,
  tls: TlsPlan,
  widgets: Map<string, Widget> = new Map(),
): HostSlice {
  const problems: PlanProblem[] = [];
  const secrets: PlannedSecret[] = [];
  const has = (service: string) => services.some((s) => s.name === service);
  const mains = mainContainers(containers, names);
  const main = (service: string) => mains.get(service);
  const add = (c: PlannedContainer | undefined, part: Partial<Pick<PlannedContainer, "env" | "secretEnv" | "labels" | "files" | "mounts">>) => {
    if (!c) return;
    Object.assign(c.env, part.env);
    Object.assign(c.secretEnv, part.secretEnv);
    Object.assign(c.labels, part.labels);
    c.files = [...(c.files ?? []), ...(part.files ?? [])];
    c.mounts.push(...(part.mounts ?? []));
  };

  if (cfg.proxy === "traefik" && cfg.services.traefik?.expose !== "none") {
    const host = `${cfg.services.traefik?.subdomain ?? "traefik"}.${cfg.domain}`;
    const owner = routes.find((r) => r.host === host);
    if (owner) problems.push({ path: "homelab:services.traefik.subdomain", message: `host ${host} is already routed to '${owner.service}'` });
    else
      routes.push({
        host,
        service: "traefik",
        upstream: TRAEFIK_API,
        auth: cfg.services.traefik?.auth ?? "two_factor",
        expose: cfg.services.traefik?.expose ?? "lan",
      });
  }

  const socket = planSocketProxy(services, cfg.socketProxy.allowWrite, names);
  problems.push(...socket.problems);
  if (socket.socketProxy) {
    add(main(SOCKET_PROXY), { env: { CETUSGUARD_RULES_FILE: SOCKET_PROXY_RULES_FILE }, files: [socketProxyRulesFile(socket.socketProxy.rules)] });
    for (const consumer of socket.socketProxy.consumers) {
      const c = main(consumer.service);
      const args = ENDPOINT_ARGS[services.find((s) => s.name === consumer.service)?.catalog ?? ""];
      if (c && args) c.command = [...(c.command ?? []), ...args(socket.socketProxy.endpoint)];
    }
  }

  const crowdsec = has(CROWDSEC) ? planCrowdSec(cfg, names) : undefined;
  const ctx: ProxyContext = {
    cfg,
    names,
    crowdsec: crowdsec?.lapi,
    authelia: has(AUTHELIA),
    tls,
    tunnelPeer: cfg.cloudflare?.enabled ? tunnelPeerAddress(cfg.network.ingress) : undefined,
  };
  const proxy = main(cfg.proxy);

  // Traefik asks for one certificate per routed host: a name no router serves would never be requested.
  if (cfg.acme?.extraDomains?.length && cfg.proxy === "traefik")
    problems.push({
      path: "homelab:acme.extraDomains",
      message: "only SWAG adds extra names to its certificate; Traefik requests one per routed host (route the name as a service instead)",
    });
  if (cfg.acme)
    secrets.push({
      name: ACME_TOKEN_SECRET,
      source: "config",
      path: "homelab:acme.cloudflareApiToken",
      value: cfg.acme.cloudflareApiToken,
      purpose: "Cloudflare API token for the ACME DNS challenge",
    });

  if (cfg.proxy === "traefik") {
    for (const route of routes) {
      const target = main(route.service);
      add(target, { labels: traefikRouteLabels(route, Number(route.upstream.split(":")[1]), ctx) });
    }
    add(proxy, {
      files: traefikFiles(ctx, socket.socketProxy?.endpoint ?? `tcp://${names.container(SOCKET_PROXY)}:${SOCKET_PROXY_PORT}`),
      secretEnv: cfg.acme ? { CF_DNS_API_TOKEN: ACME_TOKEN_SECRET } : {},
    });
    if (ctx.authelia) add(main(AUTHELIA), { labels: autheliaMiddlewareLabels(ctx) });
  } else {
    const certificate = swagCertificate(ctx, ACME_TOKEN_SECRET);
    add(proxy, {
      env: { URL: cfg.domain, SWAG_AUTORELOAD: "true", ...certificate.env },
      files: [...(ctx.authelia ? swagAutheliaFiles(names) : []), ...routes.map((r) => swagProxyConf(r, ctx)), ...certificate.files],
    });
  }

  if (crowdsec) {
    secrets.push(...crowdsec.secrets);
    add(main(CROWDSEC), {
      env: crowdsec.crowdsecEnv,
      secretEnv: crowdsec.crowdsecSecretEnv,
      files: crowdsec.crowdsecFiles,
      mounts: [crowdsec.crowdsecLogMount],
    });
    add(proxy, { env: crowdsec.proxyEnv, secretEnv: crowdsec.proxySecretEnv, mounts: [crowdsec.proxyLogMount] });
  }

  // Every private PostgreSQL gets a generated password, handed to the database and to its service.
  for (const db of containers.filter((c) => c.role === "database" && c.env.POSTGRES_USER && !c.env.POSTGRES_PASSWORD)) {
    const svc = services.find((s) => s.name === db.service)!;
    const name = `${db.service}-db-password`;
    secrets.push({ name, source: "generated", length: 32, purpose: `${db.service} PostgreSQL password` });
    add(db, { secretEnv: { POSTGRES_PASSWORD: name } });
    if (svc.entry.dbPasswordEnv) add(main(db.service), { secretEnv: { [svc.entry.dbPasswordEnv]: name } });
  }

  // Secrets a catalog entry asks for (an app's encryption key): generated once, handed over as env.
  for (const svc of services) {
    for (const spec of containerSpecs(svc)) {
      for (const [env, g] of Object.entries(spec.generatedEnv ?? {})) {
        const name = `${[svc.name, spec.suffix].filter(Boolean).join("-")}-${env.toLowerCase().replace(/_/g, "-")}`;
        secrets.push({ name, source: "generated", length: g.length, purpose: g.purpose, ...(g.format === "hex" ? { format: "hex" } : {}) });
        add(
          containers.find((c) => c.name === names.container(svc.name, spec.suffix)),
          { secretEnv: { [env]: name } },
        );
      }
    }
  }

  let authelia: AutheliaPlan | undefined;
  if (has(AUTHELIA)) {
    const slice = planAuthelia(cfg, routes, names);
    problems.push(...slice.problems);
    secrets.push(...slice.secrets.filter((x) => !secrets.some((y) => y.name === x.name)));
    authelia = slice.authelia;
    add(main(AUTHELIA), { env: slice.env, files: slice.files });
  } else if (cfg.authelia.apiBypass.length > 0) {
    problems.push({ path: "homelab:authelia.apiBypass", message: "no route uses Authelia, so there is nothing to bypass" });
  }

  const homepageRoute = routes.find((r) => r.service === HOMEPAGE);
  if (has(HOMEPAGE))
    add(main(HOMEPAGE), {
      env: homepageRoute ? { HOMEPAGE_ALLOWED_HOSTS: homepageRoute.host } : {},
      files: homepageFiles(
        services,
        routes,
        names,
        socket.socketProxy?.consumers.some((c) => c.service === HOMEPAGE) ? socket.socketProxy : undefined,
        widgets,
      ),
    });

  return { secrets, socketProxy: socket.socketProxy, authelia, problems };
}

/**
 * Each service's main container (the one named after the service), looked up once per route, consumer
 * and database: a map, so a stack with a thousand routes does not scan every container for each.
 * The first one wins, as a search in plan order would (a duplicate name is reported as a problem).
 */
function mainContainers(containers: PlannedContainer[], names: Naming): Map<string, PlannedContainer> {
  const mains = new Map<string, PlannedContainer>();
  for (const c of containers) if (c.name === names.container(c.service) && !mains.has(c.service)) mains.set(c.service, c);
  return mains;
}
