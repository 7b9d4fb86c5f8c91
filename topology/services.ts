import { AUTHELIA, CATALOG, CatalogEntry, catalogEntry, CROWDSEC, POSTGRES_IMAGE, RETIRED, Role, SOCKET_PROXY, TUNNEL_CONNECTOR } from "../config/catalog";
import { protectedEnvReason } from "../policy/networkPolicy";
import { configMount, postgres } from "../config/catalog/builders";
import type { ServiceConfig, StackConfig } from "../config/schema";
import { compareNames } from "./order";
import { exposureOf } from "./routes";
import type { PlanProblem, ResolvedService } from "./types";

const PROXIES = ["traefik", "swag"] as const;
/** Auth levels Authelia decides (and a `deny` route is refused by it too); only `bypass` skips SSO. */
const SSO_LEVELS = new Set(["one_factor", "two_factor", "deny"]);

/** A custom service (not in the catalog) becomes a one-container catalog entry built from its config. */
function customEntry(name: string, cfg: ServiceConfig): CatalogEntry {
  const role: Role = cfg.role ?? (cfg.port ? "web" : "worker");
  return {
    name,
    description: "Custom service",
    vpnCapable: true,
    dockerApi: cfg.dockerApi,
    auth: "two_factor",
    dashboard: { group: "Apps", icon: "mdi-application" },
    gpu: true,
    evidence: { tag: "the owner's image", ports: "the owner's config", mounts: "/config by default", healthcheck: "none", user: "the image's own" },
    main: { suffix: "", image: cfg.image!, role, port: cfg.port, mounts: [configMount()] },
  };
}

/**
 * The services the stack runs: the owner's list plus what the stack itself needs — the chosen proxy,
 * and the socket proxy as soon as anything reads the Docker API.
 */
export function resolveServices(cfg: StackConfig): { services: ResolvedService[]; problems: PlanProblem[]; warnings: string[] } {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const services: ResolvedService[] = [];
  const listed = Object.entries(cfg.services).filter(([, s]) => s.enabled !== false);

  for (const [name, svc] of listed) {
    const path = `homelab:services.${name}`;
    const known = catalogEntry(name);
    if ((PROXIES as readonly string[]).includes(name) && name !== cfg.proxy) {
      problems.push({ path, message: `${name} is a reverse proxy but homelab:proxy is ${cfg.proxy}; set homelab:proxy: ${name} to use it` });
      continue;
    }
    const retired = RETIRED.get(name);
    if (retired && !svc.image) {
      problems.push({ path, message: `'${name}' is no longer in the catalog. ${retired}` });
      continue;
    }
    if (retired) warnings.push(`${path}: '${name}' runs as a custom service with the image you gave, and nothing is generated for it. ${retired}`);
    if (!known && !svc.image) {
      problems.push({ path, message: `unknown service '${name}' is not in the catalog: give it an image (and a port if it has a web UI)` });
      continue;
    }
    if (!known && (svc.role === "worker" || !svc.role) && !svc.port && svc.expose && svc.expose !== "none") {
      problems.push({ path: `${path}.expose`, message: `'${name}' has no web port to route to: set port or expose: none` });
    }
    if (known && (svc.role || svc.dockerApi)) {
      problems.push({
        path: `${path}.${svc.role ? "role" : "dockerApi"}`,
        message: `only custom services set this; the catalog entry for '${name}' already decides it`,
      });
    }
    if (svc.gpu && known && !known.gpu) {
      const capable = [...CATALOG.values()].filter((e) => e.gpu).map((e) => e.name);
      problems.push({ path: `${path}.gpu`, message: `'${name}' has no use for a GPU; only ${capable.join(", ")} and custom services take one` });
    }
    const entry = known ? withOverrides(known, svc) : customEntry(name, svc);
    services.push({ name, entry, config: svc, catalog: known?.name, implicit: false });
  }

  // A service the stack needs gets its defaults whether the owner listed it or not; what the owner set wins.
  const ensure = (name: string, defaults: ServiceConfig = {}) => {
    const listed = services.find((s) => s.name === name);
    if (listed) listed.config = { ...defaults, ...listed.config };
    else services.push({ name, entry: catalogEntry(name)!, config: { ...defaults, ...cfg.services[name] }, catalog: name, implicit: true });
  };
  if (cfg.services[cfg.proxy]?.enabled === false)
    problems.push({ path: `homelab:services.${cfg.proxy}.enabled`, message: `the reverse proxy ${cfg.proxy} cannot be disabled` });
  ensure(cfg.proxy);
  if (services.some((s) => s.entry.dockerApi)) ensure(SOCKET_PROXY);
  // Traefik's own dashboard gets a route by default (topology/host.ts), guarded at two_factor: it needs Authelia like any other.
  const traefikDashboard = cfg.proxy === "traefik" && cfg.services.traefik?.expose !== "none" && SSO_LEVELS.has(cfg.services.traefik?.auth ?? "two_factor");
  const protectedRoutes = services.filter((s) => exposureOf(s) !== "none" && SSO_LEVELS.has(s.config.auth ?? s.entry.auth));
  // Every protected route redirects to the portal (Authelia's authz handlers answer with its URL), so a
  // protected route on the tunnel needs the portal on the tunnel too, or remote users can never sign in.
  // Behind the tunnel the portal is guarded like the routes that send users to it: by Cloudflare Access, unless
  // every one of them chose Authelia alone (remoteAuth: authelia), whose login then is the portal itself.
  const tunnelled = protectedRoutes.filter((s) => exposureOf(s) === "tunnel");
  const portalRemote: ServiceConfig = tunnelled.every((s) => s.config.remoteAuth === "authelia")
    ? { public: true, remoteAuth: "authelia" }
    : { remoteAuth: "access" };
  const ownerExpose = cfg.services.authelia?.expose;
  const onTunnel = ownerExpose ? ownerExpose === "tunnel" : tunnelled.length > 0;
  if (traefikDashboard || protectedRoutes.length)
    ensure(AUTHELIA, { subdomain: cfg.authelia.subdomain, ...(onTunnel ? { expose: "tunnel", ...portalRemote } : {}) });
  if (cfg.crowdsec.enabled) ensure(CROWDSEC);
  const authelia = services.find((s) => s.name === AUTHELIA);
  if (authelia && cfg.authelia.storage === "postgres") authelia.entry = withPostgresStorage(authelia.entry);
  if (cfg.cloudflare?.enabled) ensure(TUNNEL_CONNECTOR);

  for (const s of services) problems.push(...protectedSettings(s.name, s.entry, s.config));
  services.sort((a, b) => compareNames(a.name, b.name));
  return { services, problems, warnings };
}

/**
 * Settings the config may not override (the shared policy's PROTECTED_ENV): each refusal names its key.
 * The socket proxy's image is fixed too: whatever image runs there gets the Docker socket.
 */
function protectedSettings(name: string, entry: CatalogEntry, svc: ServiceConfig): PlanProblem[] {
  const path = `homelab:services.${name}`;
  const problems: PlanProblem[] = [];
  if (name === SOCKET_PROXY && svc.image)
    problems.push({ path: `${path}.image`, message: `the socket proxy's image cannot be changed: it is the one container with the Docker socket` });
  for (const key of Object.keys(svc.env ?? {})) {
    const reason = protectedEnvReason(entry.main.role, !!entry.dockerApi, key);
    if (reason) problems.push({ path: `${path}.env.${key}`, message: reason });
  }
  return problems;
}

/** Owner overrides of a catalog entry's image and port apply to its main container only. */
function withOverrides(entry: CatalogEntry, svc: ServiceConfig): CatalogEntry {
  if (!svc.image && !svc.port) return entry;
  return { ...entry, main: { ...entry.main, image: svc.image ?? entry.main.image, port: svc.port ?? entry.main.port } };
}

/** `homelab:authelia.storage: postgres` gives Authelia a private PostgreSQL next to its Redis. */
function withPostgresStorage(entry: CatalogEntry): CatalogEntry {
  return { ...entry, companions: [...(entry.companions ?? []), postgres(POSTGRES_IMAGE, AUTHELIA)] };
}

/** Deprecated images: a warning naming the maintained replacement, so the owner can plan the move. */
export function deprecationWarnings(services: ResolvedService[]): string[] {
  return services
    .filter((s) => s.entry.deprecated)
    .map(
      (s) =>
        `homelab:services.${s.name}: the ${s.entry.main.image} image is deprecated since ${s.entry.deprecated!.since} and gets no updates; switch to ${s.entry.deprecated!.replacement}`,
    );
}

/**
 * A service that talks to another (a Tdarr node to its server) needs a link network shared with it. A warning,
 * not an error: the node may serve a server the owner runs elsewhere, and it does no harm while it waits.
 */
export function missingLinks(services: ResolvedService[], links: Record<string, string[]>): string[] {
  const present = new Set(services.map((s) => s.name));
  return services.flatMap((s) =>
    (s.entry.linksTo ?? [])
      .filter((target) => !Object.values(links).some((members) => members.includes(s.name) && members.includes(target)))
      .map((target) =>
        present.has(target)
          ? `homelab:services.${s.name}: '${s.name}' talks to '${target}' but cannot reach it: join them with a link, e.g. homelab:links.${target}: { services: [${target}, ${s.name}] }`
          : `homelab:services.${s.name}: '${s.name}' talks to '${target}', which is not in the stack: add it (and a link joining them)`,
      ),
  );
}
