import { catalogEntry, PORTAINER, type ApiKeySpec } from "../config/catalog";
import { secretRefsIn } from "../config/secret";
import { onHost } from "./placement";
import { sharedNamespaceOwner } from "./policy";
import type { Plan, PlannedContainer, PlannedService } from "./types";

/**
 * What `homelab wire` sets up after `up` through the apps' own APIs, because these settings live in the apps'
 * databases and no environment variable or file reaches them: Prowlarr's applications (Prowlarr → Sonarr,
 * Radarr … with their generated API keys), Jellyseerr's Sonarr/Radarr servers, Plex's advertised URLs and, on
 * several hosts, Portainer's environments. Pure: read from the plan.
 */
export interface AppSyncPlan {
  prowlarr?: ApiTarget & { applications: ProwlarrApplication[] };
  jellyseerr?: ApiTarget & { servers: JellyseerrServer[] };
  /** Plex's custom server access URLs (homelab:plex.advertise); Plex's own token comes from its Preferences.xml. */
  plex?: Omit<ApiTarget, "key"> & { customConnections: string[] };
  /** On several hosts, Portainer's environments for the other hosts' engines; it signs in with the admin password the stack generated. */
  portainer?: Omit<ApiTarget, "key"> & { password: PasswordFile; environments: PortainerEnvironment[] };
  /** Pairs that cannot reach each other, one line each (what to change). */
  skipped: string[];
}

/** An app whose API `homelab wire` calls: its main container, web port and the env var holding its API key. */
export interface ApiTarget {
  service: string;
  container: string;
  /** The container whose address answers for it: itself, or its VPN gateway when it shares Gluetun's namespace. */
  addressOf: string;
  port: number;
  key: KeySource;
}

/** Where a generated API key can be read back: the env of the container that uses it. */
export interface KeySource {
  container: string;
  env: string;
}

export interface ProwlarrApplication {
  service: string;
  /** Prowlarr's implementation and its settings class (Prowlarr/Prowlarr@v2.0.5.5160:src/NzbDrone.Core/Applications/Sonarr/SonarrSettings.cs). */
  implementation: string;
  configContract: string;
  /** The app as Prowlarr reaches it, and Prowlarr as the app reaches it. */
  baseUrl: string;
  prowlarrUrl: string;
  key: KeySource;
}

export interface JellyseerrServer {
  service: string;
  kind: "sonarr" | "radarr";
  hostname: string;
  port: number;
  key: KeySource;
}

/** A generated password in a file of a container, and the `homelab:keys` path that holds it (topology/plan.ts holdDataKeys). */
export interface PasswordFile {
  container: string;
  path: string;
  key: string;
}

/** A Docker engine Portainer reaches through the API (Docker Standalone): another host's socket proxy, named by its host. */
export interface PortainerEnvironment {
  name: string;
  url: string;
}

interface App {
  service: PlannedService;
  main: PlannedContainer;
  apiKey: ApiKeySpec;
}

export function planAppSync(plan: Plan): AppSyncPlan {
  const byName = new Map(plan.containers.map((c) => [c.name, c]));
  const links = new Set(plan.networks.filter((n) => n.kind === "link").map((n) => n.name));
  const apps: App[] = [];
  for (const service of plan.services) {
    const apiKey = service.catalog ? catalogEntry(service.catalog)?.apiKey : undefined;
    const main = byName.get(service.containers[0]);
    if (apiKey && main && service.port && main.secretEnv[apiKey.env]) apps.push({ service, main, apiKey });
  }
  /** The container that owns a container's network namespace (Gluetun for a routed app). */
  const owner = (c: PlannedContainer) => {
    const shared = sharedNamespaceOwner(c.networkMode);
    return (shared === undefined ? undefined : byName.get(shared)) ?? c;
  };
  /** How `from` reaches `to`'s web port: one namespace, or a shared link network (homelab:links). */
  const reach = (from: App, to: App): { host: string; port: number } | undefined => {
    const [a, b] = [owner(from.main), owner(to.main)];
    if (a === b) return { host: "127.0.0.1", port: to.service.port! };
    return a.networks.some((n) => links.has(n) && b.networks.includes(n)) ? { host: b.name, port: to.service.port! } : undefined;
  };
  const target = (app: App): ApiTarget => ({
    service: app.service.name,
    container: app.main.name,
    addressOf: owner(app.main).name,
    port: app.service.port!,
    key: { container: app.main.name, env: app.apiKey.env },
  });
  const url = (r: { host: string; port: number }) => `http://${r.host}:${r.port}`;
  const skipped: string[] = [];
  const unreachable = (from: App, to: App) =>
    skipped.push(`${from.service.name} cannot reach ${to.service.name}: route both through the VPN or join them with a link (homelab:links)`);
  const result: AppSyncPlan = { skipped };

  const prowlarr = apps.find((a) => a.service.catalog === "prowlarr");
  if (prowlarr) {
    const applications: ProwlarrApplication[] = [];
    for (const app of apps.filter((a) => a.apiKey.prowlarr)) {
      const there = reach(prowlarr, app);
      const back = reach(app, prowlarr);
      if (!there || !back) {
        unreachable(prowlarr, app);
        continue;
      }
      const implementation = app.apiKey.prowlarr!;
      applications.push({
        service: app.service.name,
        implementation,
        configContract: `${implementation}Settings`,
        baseUrl: url(there),
        prowlarrUrl: url(back),
        key: target(app).key,
      });
    }
    if (applications.length) result.prowlarr = { ...target(prowlarr), applications };
  }

  const jellyseerr = apps.find((a) => a.service.catalog === "jellyseerr");
  if (jellyseerr) {
    const servers: JellyseerrServer[] = [];
    for (const app of apps.filter((a) => a.apiKey.jellyseerr)) {
      const there = reach(jellyseerr, app);
      if (!there) unreachable(jellyseerr, app);
      else servers.push({ service: app.service.name, kind: app.apiKey.jellyseerr!, hostname: there.host, port: there.port, key: target(app).key });
    }
    if (servers.length) result.jellyseerr = { ...target(jellyseerr), servers };
  }

  const plex = plan.services.find((s) => s.catalog === "plex");
  const plexMain = plex && byName.get(plex.containers[0]);
  if (plan.plex && plex?.port && plexMain)
    result.plex = {
      service: plex.name,
      container: plexMain.name,
      addressOf: owner(plexMain).name,
      port: plex.port,
      customConnections: plan.plex.customConnections,
    };
  const portainer = portainerEnvironments(plan);
  if (portainer) result.portainer = { ...portainer, addressOf: owner(byName.get(portainer.container)!).name };
  return result;
}

/**
 * Every other host whose engine Portainer reads (its main container is on that host's `vnet-socket-<host>`,
 * topology/hosts.ts): that host's socket proxy by its per-host name (as Homepage's docker.yaml names it,
 * topology/dashboard.ts), at the proxy's port, as the environment named after the host.
 */
function portainerEnvironments(plan: Plan): Omit<NonNullable<AppSyncPlan["portainer"]>, "addressOf"> | undefined {
  const service = plan.services.find((s) => s.catalog === PORTAINER && s.dockerApi);
  const main = service && plan.containers.find((c) => c.name === service.containers[0]);
  const path = service?.catalog ? catalogEntry(service.catalog)?.main.adminPasswordFile : undefined;
  const secret = secretRefsIn(main?.files?.find((f) => f.path === path)?.content ?? "")[0]?.name;
  const port = plan.socketProxy?.endpoint.split(":").pop();
  if (!service?.port || !main || !path || !secret || !port) return undefined;
  const proxy = plan.socketProxy!.container;
  const environments = plan.networks
    .filter((n) => n.remoteEngine && main.networks.includes(n.name))
    .map((n) => ({ name: n.remoteEngine!, url: `tcp://${onHost(proxy, n.remoteEngine!)}:${port}` }));
  if (environments.length === 0) return undefined;
  return {
    service: service.name,
    container: main.name,
    port: service.port,
    password: { container: main.name, path, key: `homelab:keys.${secret}` },
    environments,
  };
}
