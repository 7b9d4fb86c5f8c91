import type { StackConfig } from "../config/schema";
import { GLUETUN, SOCKET_PROXY } from "../config/catalog";
import { BACKUP_SERVICE } from "./backup";
import { proxyNeighbourProblems, remoteTraefikRoutes } from "./hostsProxy";
import type { Plan, PlannedContainer, PlannedHost, PlannedNetwork, PlanProblem } from "./types";

/** Consumers of the Docker API that can only show the containers of the engine they read. */
const ONE_ENGINE_VIEWERS = ["dozzle", "portainer", "homepage"];

export interface HostPlacement {
  plan: Plan;
  problems: PlanProblem[];
  warnings: string[];
}

/**
 * Spreads a finished single-engine plan over `homelab:hosts` (Docker Swarm). Without that key the plan is
 * returned as it is, byte for byte. With it: every container gets its host (its service's `host`, default the
 * first host; a service routed through Gluetun follows Gluetun), each host whose containers read the Docker
 * API gets its own socket proxy on its own local vnet-socket (answering to the same name, so no consumer's
 * endpoint changes), and every other network becomes a swarm overlay when its members are on several hosts,
 * a local bridge on its one host otherwise. Subnets, allocation and lock are the single-host plan's, untouched.
 */
export function placeOnHosts(plan: Plan, cfg: StackConfig): HostPlacement {
  if (!cfg.hosts)
    return {
      plan,
      problems: Object.entries(cfg.services)
        .filter(([, s]) => s.host)
        .map(([name, s]) => ({
          path: `homelab:services.${name}.host`,
          message: `host '${s.host}' names a Docker host, but homelab:hosts lists none: add it there, or leave host out`,
        })),
      warnings: [],
    };
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const hosts = plannedHosts(cfg, problems);
  const names = new Set(hosts.map((h) => h.name));
  const first = hosts[0]?.name;
  if (!first) return { plan, problems, warnings };

  const configured = (service: string): string | undefined => {
    const host = cfg.services[service]?.host;
    if (host && !names.has(host)) {
      problems.push({ path: `homelab:services.${service}.host`, message: `unknown host '${host}' (homelab:hosts has: ${[...names].join(", ")})` });
      return undefined;
    }
    return host;
  };
  const serviceHost = new Map<string, string>();
  for (const s of plan.services) serviceHost.set(s.name, configured(s.name) ?? first);

  // Gluetun's namespace is on one engine: every service routed through it must run there too.
  const gateway = plan.containers.find((c) => c.role === "vpn-gateway");
  if (gateway) {
    const gatewayHost = serviceHost.get(gateway.service)!;
    for (const client of gateway.vpnClients ?? []) {
      const own = cfg.services[client.service]?.host;
      if (own && own !== gatewayHost)
        problems.push({
          path: `homelab:services.${client.service}.host`,
          message: `${client.service} is routed through ${GLUETUN}, which runs on '${gatewayHost}': a container can only share the network namespace of a container on its own host (set host: ${gatewayHost}, or vpn: false)`,
        });
      serviceHost.set(client.service, gatewayHost);
    }
  }

  let containers: PlannedContainer[] = plan.containers.map((c) => ({ ...c, host: serviceHost.get(c.service) ?? first }));
  containers = withRemoteRoutes(withSocketProxyPerHost(containers, plan, hosts), plan);
  problems.push(...proxyNeighbourProblems(plan, containers));
  const order = hosts.map((h) => h.name);
  const networks = placeNetworks(plan.networks, containers, order, first, cfg.overlay.encrypted);
  const byService = new Map<string, string[]>();
  for (const c of containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c.name]);
  const services = plan.services.map((s) => ({ ...s, containers: byService.get(s.name) ?? [], host: serviceHost.get(s.name)! }));

  problems.push(...backupProblems(plan, containers));
  const spread = new Set(containers.map((c) => c.host));
  if (spread.size > 1)
    for (const s of plan.services.filter((s) => ONE_ENGINE_VIEWERS.includes(s.catalog ?? "") && s.dockerApi))
      warnings.push(
        `homelab:services.${s.name}.host: ${s.name} reads the Docker API of its own host (${serviceHost.get(s.name)}) only; containers on the other hosts do not appear in it (docs/multi-host.md)`,
      );

  return { plan: { ...plan, hosts, containers, networks, services }, problems, warnings };
}

function plannedHosts(cfg: StackConfig, problems: PlanProblem[]): PlannedHost[] {
  const entries = Object.entries(cfg.hosts ?? {});
  if (entries.length === 0) problems.push({ path: "homelab:hosts", message: "list at least one Docker host, or leave homelab:hosts out" });
  const seen = new Map<string, string>();
  for (const [name, h] of entries) {
    const other = seen.get(h.docker);
    if (other)
      problems.push({ path: `homelab:hosts.${name}.docker`, message: `${h.docker} is already host '${other}': each host is a different Docker engine` });
    seen.set(h.docker, name);
  }
  // Overlays are created through a manager: the marked ones, else the first host (the one `docker swarm init` runs on).
  const anyMarked = entries.some(([, h]) => h.manager);
  return entries.map(([name, h], i) => ({ name, docker: h.docker, manager: anyMarked ? !!h.manager : i === 0 }));
}

/**
 * vnet-socket never spans hosts: the socket proxy stays where its service is, and every other host with a
 * Docker-API consumer gets a copy (`<proxy>-<host>`) answering to the proxy's own name on that host's
 * vnet-socket, so the endpoint each consumer was given reaches the engine it runs on.
 */
function withSocketProxyPerHost(containers: PlannedContainer[], plan: Plan, hosts: PlannedHost[]): PlannedContainer[] {
  const proxy = containers.find((c) => c.service === SOCKET_PROXY && c.name === plan.socketProxy?.container);
  const socket = plan.networks.find((n) => n.kind === "socket");
  if (!proxy || !socket) return containers;
  const needing = hosts.filter((h) => h.name !== proxy.host && containers.some((c) => c !== proxy && c.host === h.name && c.networks.includes(socket.name)));
  return [...containers, ...needing.map((h) => ({ ...proxy, name: `${proxy.name}-${h.name}`, host: h.name, aliases: [proxy.name] }))];
}

/** Traefik's own file for the routes its Docker provider cannot see (see remoteTraefikRoutes). */
function withRemoteRoutes(containers: PlannedContainer[], plan: Plan): PlannedContainer[] {
  const file = remoteTraefikRoutes(plan, containers);
  if (!file) return containers;
  return containers.map((c) => (c.name === `${plan.prefix}traefik` ? { ...c, files: [...(c.files ?? []), file] } : c));
}

/** Each network's members (in container order) and where it lives; one pass over the containers. */
function placeNetworks(planned: PlannedNetwork[], containers: PlannedContainer[], order: string[], first: string, encrypted: boolean): PlannedNetwork[] {
  const membersOf = new Map<string, PlannedContainer[]>(planned.map((n) => [n.name, []]));
  for (const c of containers) for (const n of c.networks) membersOf.get(n)?.push(c);
  return planned.map((n) => placeNetwork(n, membersOf.get(n.name)!, order, first, encrypted));
}

function placeNetwork(n: PlannedNetwork, members: PlannedContainer[], order: string[], first: string, encrypted: boolean): PlannedNetwork {
  const used = new Set(members.map((c) => c.host!));
  const hosts = order.filter((h) => used.has(h));
  const placed: PlannedNetwork = { ...n, members: members.map((c) => c.name), hosts: hosts.length ? hosts : [first] };
  // One bridge per host for vnet-socket (its members are each host's proxy and consumers); an overlay only where members really are apart.
  if (n.kind === "socket" || hosts.length < 2) return placed;
  return { ...placed, driver: "overlay", encrypted };
}

/** The backup container reads the config folders and dumps on its own host: every service it backs up must be there. */
function backupProblems(plan: Plan, containers: PlannedContainer[]): PlanProblem[] {
  if (!plan.backup) return [];
  const hostOf = new Map(containers.map((c) => [c.name, c.host]));
  const backupHost = containers.find((c) => c.service === BACKUP_SERVICE)?.host;
  const elsewhere = plan.backup.targets.filter((t) => t.containers.some((c) => hostOf.get(c) !== backupHost)).map((t) => t.service);
  return elsewhere.length
    ? [
        {
          path: "homelab:backup",
          message: `the backup runs on '${backupHost}' and reads host folders there, but ${elsewhere.join(", ")} run${elsewhere.length === 1 ? "s" : ""} on another host: keep backed-up services on the backup's host (homelab:services.backup.host)`,
        },
      ]
    : [];
}

/**
 * What one host of a multi-host plan should have: its containers, its local networks and the overlays it
 * takes part in (the manager holds every overlay; a worker shows one only while a local container uses it).
 * `homelab audit` compares each host's engine with its slice.
 */
export function planOnHost(plan: Plan, host: string): Plan {
  const manager = plan.hosts?.find((h) => h.manager)?.name;
  const containers = plan.containers.filter((c) => c.host === host);
  const names = new Set(containers.map((c) => c.name));
  const networks = plan.networks
    .filter((n) => n.hosts?.includes(host) || (n.driver === "overlay" && host === manager))
    .map((n) => ({ ...n, members: n.members.filter((m) => names.has(m)) }));
  return { ...plan, containers, networks };
}
