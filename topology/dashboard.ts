import { HOMEPAGE } from "../config/catalog";
import { yamlFile } from "../config/yaml";
import type { Naming } from "./naming";
import { NO_HOSTS, onHost, type HostReach } from "./placement";
import type { PlannedFile, ResolvedService, Route, SocketProxyPlan } from "./types";
import type { Widget } from "./wiring";

/** The docker.yaml key Homepage's service entries refer to (`server:`). */
export const HOMEPAGE_DOCKER = "homelab";

/**
 * Homepage's services.yaml, one group per catalog dashboard group (sorted), one entry per enabled service
 * with a dashboard entry: link to its route when routed, live status from the socket proxy when Homepage has it.
 * docker.yaml points Homepage at the socket proxy, never at the raw socket.
 */
export function homepageFiles(
  services: ResolvedService[],
  routes: Route[],
  names: Naming,
  socketProxy?: SocketProxyPlan,
  widgets: Map<string, Widget> = new Map(),
  reach: HostReach = NO_HOSTS,
): PlannedFile[] {
  const engines = socketProxy ? dockerEngines(socketProxy, reach) : undefined;
  const groups = new Map<string, Record<string, unknown>[]>();
  // One lookup per service: a map rather than a search of every route for each (the first route wins).
  const routeOf = new Map<string, Route>();
  for (const r of routes) if (!routeOf.has(r.service)) routeOf.set(r.service, r);
  for (const svc of services) {
    const dash = svc.entry.dashboard;
    if (!dash) continue;
    const route = routeOf.get(svc.name);
    const entry = {
      [svc.name]: {
        description: svc.entry.description,
        icon: dash.icon,
        ...(route ? { href: `https://${route.host}` } : {}),
        ...(engines?.serverOf(svc.name) ? { server: engines.serverOf(svc.name), container: names.container(svc.name) } : {}),
        ...widgetOf(widgets.get(svc.name)),
      },
    };
    groups.set(dash.group, [...(groups.get(dash.group) ?? []), entry]);
  }
  const servicesYaml = [...groups.keys()].sort().map((group) => ({ [group]: groups.get(group)! }));
  // Homepage re-reads services.yaml by itself: a service added elsewhere only rewrites the file.
  const files: PlannedFile[] = [{ path: "/app/config/services.yaml", content: yamlFile(servicesYaml), secret: false, reload: "watched" }];
  if (engines) files.push({ path: "/app/config/docker.yaml", content: yamlFile(engines.dockerYaml), secret: false });
  return files;
}

/**
 * The engines Homepage reads, as docker.yaml entries (several are allowed, each `host`/`port`: gethomepage/homepage
 * @v1.5.0 docs/configs/docker.md), and which one each service's status comes from. One host: the socket proxy, as
 * `homelab`. Several: its own host's proxy as `homelab`, and each other host's proxy under that host's name,
 * reached on the host's `vnet-socket-<host>` overlay (topology/hosts.ts).
 */
function dockerEngines(socketProxy: SocketProxyPlan, reach: HostReach) {
  const [host, port] = socketProxy.endpoint.replace(/^tcp:\/\//, "").split(":");
  const dockerYaml: Record<string, { host: string; port: number }> = { [HOMEPAGE_DOCKER]: { host, port: Number(port) } };
  const own = reach.hostOf?.get(HOMEPAGE);
  // A host called `homelab` must not take the local engine's key.
  const keyOf = (other: string) => (other === HOMEPAGE_DOCKER ? `${other}-host` : other);
  for (const [other, readers] of reach.remoteReads)
    if (readers.includes(HOMEPAGE)) dockerYaml[keyOf(other)] = { host: onHost(socketProxy.container, other), port: Number(port) };
  const serverOf = (service: string): string | undefined => {
    const where = reach.hostOf?.get(service);
    if (where === undefined || where === own) return HOMEPAGE_DOCKER;
    return dockerYaml[keyOf(where)] ? keyOf(where) : undefined;
  };
  return { dockerYaml, serverOf };
}

/** Homepage substitutes `{{HOMEPAGE_VAR_X}}` with its env var X (gethomepage/homepage@v1.5.0:src/utils/config/config.js), so the key stays out of the file. */
function widgetOf(w: Widget | undefined): Record<string, unknown> {
  return w ? { widget: { type: w.type, url: w.url, key: `{{${w.keyEnv}}}` } } : {};
}
