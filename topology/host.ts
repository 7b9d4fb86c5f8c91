import { AUTHELIA, CATALOG, CROWDSEC, HOMEPAGE, SOCKET_PROXY, SOCKET_PROXY_PORT } from "../config/catalog";
import type { StackConfig } from "../config/schema";
import { SecretEnvRef, secretRef } from "../config/secret";
import { acmeDnsProblems, acmeDnsSecret, traefikAcmeSecretEnv } from "./acmeDns";
import { planAuthelia } from "./authelia";
import { containerSpecs } from "./containers";
import { planCrowdSec, type CrowdSecSlice } from "./crowdsec";
import { homepageFiles } from "./dashboard";
import { swagMiddlewareFiles, traefikMiddlewareFile } from "./middlewares";
import type { Naming } from "./naming";
import type { ContainerPatch } from "./patch";
import { NO_HOSTS, type HostReach } from "./placement";
import { autheliaMiddlewareLabels, ProxyContext, TRAEFIK_API, traefikFiles, traefikRouteLabels } from "./proxy";
import { swagAutheliaFiles, swagCertificate, swagProxyConf } from "./swag";
import { tunnelPeerAddress, type TlsPlan } from "./tls";
import { ENDPOINT_ARGS, planSocketProxy, SOCKET_PROXY_RULES_FILE, socketProxyRulesFile } from "./socketProxy";
import type { Widget } from "./wiring";
import type { AutheliaPlan, PlannedContainer, PlannedSecret, PlanProblem, ResolvedService, Route, SocketProxyPlan } from "./types";

export interface HostSlice {
  patches: ContainerPatch[];
  secrets: PlannedSecret[];
  socketProxy?: SocketProxyPlan;
  authelia?: AutheliaPlan;
  problems: PlanProblem[];
}

/** What the host stack's parts add to one service's main container (files always, even none: the plan lists them). */
type HostPart = Partial<Pick<ContainerPatch, "env" | "secretEnv" | "labels" | "files" | "mounts">>;

/** The stack's inputs every part of the host stack reads. */
interface HostInputs {
  cfg: StackConfig;
  services: ResolvedService[];
  containers: PlannedContainer[];
  routes: Route[];
  names: Naming;
}

/** Traefik's own dashboard (`api@internal`) gets a route unless the owner says `expose: none`; its host must be free. */
export function traefikDashboardRoute(cfg: StackConfig, routes: Route[]): { routes: Route[]; problems: PlanProblem[] } {
  if (cfg.proxy !== "traefik" || cfg.services.traefik?.expose === "none") return { routes: [], problems: [] };
  const host = `${cfg.services.traefik?.subdomain ?? "traefik"}.${cfg.domain}`;
  const owner = routes.find((r) => r.host === host);
  if (owner) return { routes: [], problems: [{ path: "homelab:services.traefik.subdomain", message: `host ${host} is already routed to '${owner.service}'` }] };
  const route: Route = {
    host,
    service: "traefik",
    upstream: TRAEFIK_API,
    auth: cfg.services.traefik?.auth ?? "two_factor",
    expose: cfg.services.traefik?.expose ?? "lan",
  };
  return { routes: [route], problems: [] };
}

/**
 * Wires the host stack's infrastructure into the planned containers: proxy routes (Traefik labels or SWAG
 * confs), Authelia's config and forward-auth, CrowdSec and its bouncer, the socket proxy's rules and the
 * Homepage dashboard. Everything is plain data for the containers (env, secret env names, labels, files),
 * returned as patches plan.ts merges; the Pulumi layer only translates it. `routes` are final (Traefik's
 * dashboard route included).
 */
export function planHostStack(
  cfg: StackConfig,
  services: ResolvedService[],
  containers: PlannedContainer[],
  routes: Route[],
  names: Naming,
  tls: TlsPlan,
  widgets: Map<string, Widget> = new Map(),
  reach: HostReach = NO_HOSTS,
): HostSlice {
  const inputs: HostInputs = { cfg, services, containers, routes, names };
  const has = (service: string) => services.some((s) => s.name === service);
  const socket = planSocketProxy(services, cfg.socketProxy.allowWrite, names);
  const crowdsec = has(CROWDSEC) ? planCrowdSec(cfg, names) : undefined;
  const ctx: ProxyContext = {
    cfg,
    names,
    crowdsec: crowdsec?.lapi,
    authelia: has(AUTHELIA),
    tls,
    tunnelPeer: cfg.cloudflare?.enabled ? tunnelPeerAddress(cfg.network.ingress) : undefined,
  };
  const acme = acmeSecret(cfg);
  const authelia = has(AUTHELIA) ? planAuthelia(cfg, routes, names) : undefined;
  const homepage = has(HOMEPAGE) ? homepagePatch(inputs, socket.socketProxy, widgets, reach) : [];
  const databases = databasePasswords(inputs);
  const generated = generatedEnv(inputs);
  const secrets = [...acme.secrets, ...(crowdsec?.secrets ?? []), ...databases.secrets, ...generated.secrets];

  // In the order the parts were once applied to the containers: a container's env and labels keep their key order.
  const patches = [
    ...socketProxyPatches(inputs, socket.socketProxy),
    ...(cfg.proxy === "traefik" ? traefikPatches(inputs, ctx, socket.socketProxy) : swagPatches(inputs, ctx)),
    ...(crowdsec ? crowdsecPatches(cfg, names, crowdsec) : []),
    ...databases.patches,
    ...generated.patches,
    ...(authelia ? [hostPatch(names.container(AUTHELIA), { env: authelia.env, files: authelia.files })] : []),
    ...homepage,
  ];
  return {
    patches,
    secrets: [...secrets, ...(authelia?.secrets ?? []).filter((x) => !secrets.some((y) => y.name === x.name))],
    socketProxy: socket.socketProxy,
    authelia: authelia?.authelia,
    problems: [
      ...socket.problems,
      ...acme.problems,
      ...(authelia?.problems ?? []),
      ...(!authelia && cfg.authelia.apiBypass.length > 0
        ? [{ path: "homelab:authelia.apiBypass", message: "no route uses Authelia, so there is nothing to bypass" }]
        : []),
    ],
  };
}

function hostPatch(container: string, part: HostPart): ContainerPatch {
  return { container, ...part, files: part.files ?? [] };
}

/** The DNS-challenge token (topology/acmeDns.ts), and the one ACME setting Traefik cannot follow. */
function acmeSecret(cfg: StackConfig): { secrets: PlannedSecret[]; problems: PlanProblem[] } {
  // Traefik asks for one certificate per routed host: a name no router serves would never be requested.
  const problems: PlanProblem[] =
    cfg.acme?.extraDomains?.length && cfg.proxy === "traefik"
      ? [
          {
            path: "homelab:acme.extraDomains",
            message: "only SWAG adds extra names to its certificate; Traefik requests one per routed host (route the name as a service instead)",
          },
        ]
      : [];
  const token = acmeDnsSecret(cfg);
  return { secrets: token ? [token] : [], problems: [...problems, ...acmeDnsProblems(cfg)] };
}

/** The socket proxy's rules file, and the endpoint as arguments for the consumers that ignore DOCKER_HOST. */
function socketProxyPatches({ services, names }: HostInputs, socketProxy: SocketProxyPlan | undefined): ContainerPatch[] {
  if (!socketProxy) return [];
  const consumers = socketProxy.consumers.flatMap((consumer): ContainerPatch[] => {
    const args = ENDPOINT_ARGS[services.find((s) => s.name === consumer.service)?.catalog ?? ""];
    return args ? [{ container: names.container(consumer.service), args: args(socketProxy.endpoint) }] : [];
  });
  return [
    hostPatch(names.container(SOCKET_PROXY), { env: { CETUSGUARD_RULES_FILE: SOCKET_PROXY_RULES_FILE }, files: [socketProxyRulesFile(socketProxy.rules)] }),
    ...consumers,
  ];
}

/** Traefik: router labels on each routed container, its static and dynamic files, Authelia's forward-auth middleware. */
function traefikPatches({ cfg, routes, names }: HostInputs, ctx: ProxyContext, socketProxy: SocketProxyPlan | undefined): ContainerPatch[] {
  const middlewares = traefikMiddlewareFile(routes, names, ctx.tunnelPeer);
  const endpoint = socketProxy?.endpoint ?? `tcp://${names.container(SOCKET_PROXY)}:${SOCKET_PROXY_PORT}`;
  return [
    ...routes.map((route) => hostPatch(names.container(route.service), { labels: traefikRouteLabels(route, Number(route.upstream.split(":")[1]), ctx) })),
    hostPatch(names.container(cfg.proxy), {
      files: [...traefikFiles(ctx, endpoint), ...(middlewares ? [middlewares] : [])],
      secretEnv: cfg.acme ? traefikAcmeSecretEnv(cfg.acme.provider) : {},
    }),
    ...(ctx.authelia ? [hostPatch(names.container(AUTHELIA), { labels: autheliaMiddlewareLabels(ctx) })] : []),
  ];
}

/** SWAG: one nginx conf per route, Authelia's shared confs, and its certificate settings. */
function swagPatches({ cfg, routes, names }: HostInputs, ctx: ProxyContext): ContainerPatch[] {
  const certificate = swagCertificate(ctx);
  return [
    hostPatch(names.container(cfg.proxy), {
      env: { URL: cfg.domain, SWAG_AUTORELOAD: "true", ...certificate.env },
      files: [
        ...(ctx.authelia ? swagAutheliaFiles(names) : []),
        ...swagMiddlewareFiles(routes),
        ...routes.map((r) => swagProxyConf(r, ctx)),
        ...certificate.files,
      ],
    }),
  ];
}

/** CrowdSec reads the proxy's access log; the proxy's bouncer asks CrowdSec. */
function crowdsecPatches(cfg: StackConfig, names: Naming, crowdsec: CrowdSecSlice): ContainerPatch[] {
  return [
    hostPatch(names.container(CROWDSEC), {
      env: crowdsec.crowdsecEnv,
      secretEnv: crowdsec.crowdsecSecretEnv,
      files: crowdsec.crowdsecFiles,
      mounts: [crowdsec.crowdsecLogMount],
    }),
    hostPatch(names.container(cfg.proxy), { env: crowdsec.proxyEnv, secretEnv: crowdsec.proxySecretEnv, mounts: [crowdsec.proxyLogMount] }),
  ];
}

/** Every private PostgreSQL gets a generated password, handed to the database and to its service. */
function databasePasswords({ services, containers, names }: HostInputs): { patches: ContainerPatch[]; secrets: PlannedSecret[] } {
  const patches: ContainerPatch[] = [];
  const secrets: PlannedSecret[] = [];
  for (const db of containers.filter((c) => c.role === "database" && c.env.POSTGRES_USER && !c.env.POSTGRES_PASSWORD)) {
    const svc = services.find((s) => s.name === db.service)!;
    const name = `${db.service}-db-password`;
    secrets.push({ name, source: "generated", length: 32, purpose: `${db.service} PostgreSQL password` });
    patches.push(hostPatch(db.name, { secretEnv: { POSTGRES_PASSWORD: SecretEnvRef.secret(name) } }));
    if (svc.entry.dbPasswordEnv) patches.push(hostPatch(names.container(db.service), { secretEnv: { [svc.entry.dbPasswordEnv]: SecretEnvRef.secret(name) } }));
  }
  return { patches, secrets };
}

/**
 * Secrets a catalog entry asks for: an app's encryption key (generated once, handed over as env) and its first
 * admin's password (a 0600 file; it guards the app's user database, so it is held like a data key).
 */
function generatedEnv({ services, names }: HostInputs): { patches: ContainerPatch[]; secrets: PlannedSecret[] } {
  const patches: ContainerPatch[] = [];
  const secrets: PlannedSecret[] = [];
  for (const svc of services) {
    for (const spec of containerSpecs(svc)) {
      const prefix = [svc.name, spec.suffix].filter(Boolean).join("-");
      const container = names.container(svc.name, spec.suffix);
      for (const [env, g] of Object.entries(spec.generatedEnv ?? {})) {
        const name = `${prefix}${generatedSecretSuffix(env)}`;
        secrets.push({
          name,
          source: "generated",
          length: g.length,
          purpose: g.purpose,
          ...(g.format === "hex" ? { format: "hex" } : {}),
          ...(g.guardsData ? { guardsData: true } : {}),
        });
        patches.push(hostPatch(container, { secretEnv: { [env]: SecretEnvRef.secret(name) } }));
      }
      if (spec.adminPasswordFile) {
        const name = adminPasswordSecret(prefix);
        secrets.push({ name, source: "generated", length: 32, purpose: `${svc.name}'s first administrator's password`, guardsData: true });
        patches.push(hostPatch(container, { files: [{ path: spec.adminPasswordFile, content: secretRef(name), secret: true }] }));
      }
    }
  }
  return { patches, secrets };
}

/** The end of a generated env secret's name, after `<service>[-<suffix>]`: SECRET_ENCRYPTION_KEY → `-secret-encryption-key`. */
export const generatedSecretSuffix = (env: string) => `-${env.toLowerCase().replace(/_/g, "-")}`;

/**
 * The end of the name of every generated env secret the catalog marks as guarding data (to recognise one held for a
 * removed service). Read from the catalog when asked (only for held keys no service uses), not at start-up.
 */
export function dataKeySuffixes(): string[] {
  const suffixes = [...CATALOG.values()].flatMap((e) =>
    [e.main, ...(e.companions ?? [])].flatMap((spec) =>
      Object.entries(spec.generatedEnv ?? {})
        .filter(([, g]) => g.guardsData)
        .map(([env]) => generatedSecretSuffix(env)),
    ),
  );
  return [...new Set(suffixes)];
}

/** The secret holding an app's first admin password (catalog `adminPasswordFile`): `<service>-admin-password`, a data key (topology/plan.ts). */
export const ADMIN_PASSWORD_SUFFIX = "-admin-password";
const adminPasswordSecret = (containerPrefix: string) => `${containerPrefix}${ADMIN_PASSWORD_SUFFIX}`;

/** Homepage's services.yaml and its allowed host; live status only when Homepage reads the Docker API. */
function homepagePatch(
  { services, routes, names }: HostInputs,
  socketProxy: SocketProxyPlan | undefined,
  widgets: Map<string, Widget>,
  reach: HostReach,
): ContainerPatch[] {
  const route = routes.find((r) => r.service === HOMEPAGE);
  const status = socketProxy?.consumers.some((c) => c.service === HOMEPAGE) ? socketProxy : undefined;
  return [
    hostPatch(names.container(HOMEPAGE), {
      env: route ? { HOMEPAGE_ALLOWED_HOSTS: route.host } : {},
      files: homepageFiles(services, routes, names, status, widgets, reach),
    }),
  ];
}
