import type { StackConfig } from "../config/schema";
import { DOZZLE, GLUETUN, SOCKET_PROXY } from "../config/catalog";
import { PORTS_LABEL } from "./containers";
import { policyLabels } from "./policy";
import { NO_HOSTS, onHost, type HostReach } from "./placement";
import { BACKUP_SERVICE } from "./backup";
import { proxyNeighbourProblems, remoteTraefikRoutes } from "./hostsProxy";
import type { Plan, PlannedContainer, PlannedHost, PlannedNetwork, PlanProblem } from "./types";

export interface HostPlacement {
  plan: Plan;
  problems: PlanProblem[];
}

/** Dozzle's agent port (amir20/dozzle@v8.14.5 internal/support/cli/agent_command.go: DOZZLE_AGENT_ADDR, default :7007). */
export const DOZZLE_AGENT_PORT = 7007;

/**
 * Spreads a finished single-engine plan over `homelab:hosts` (Docker Swarm). Without that key the plan is
 * returned as it is, byte for byte. With it: every container gets its host (`reach.hostOf`: its service's
 * `host`, default the first host; a service routed through Gluetun follows Gluetun), each host whose containers
 * read the Docker API gets its own socket proxy on its own local vnet-socket (answering to the same name, so no
 * consumer's endpoint changes), the dashboards see every host (Dozzle through an agent on each other host,
 * Homepage and Portainer through each other host's socket proxy on that host's `vnet-socket-<host>` overlay;
 * `homelab wire` adds those to Portainer as environments, topology/appSync.ts),
 * and every other network becomes a swarm overlay when its members are on several hosts, a local bridge on its
 * one host otherwise. Subnets, allocation and lock are the single-host plan's (the remote-read overlays are
 * allocated with the rest, topology/networks.ts).
 */
export function placeOnHosts(plan: Plan, cfg: StackConfig, reach: HostReach = NO_HOSTS): HostPlacement {
  if (!cfg.hosts)
    return {
      plan,
      problems: Object.entries(cfg.services)
        .filter(([, s]) => s.host)
        .map(([name, s]) => ({
          path: `homelab:services.${name}.host`,
          message: `host '${s.host}' names a Docker host, but homelab:hosts lists none: add it there, or leave host out`,
        })),
    };
  const problems: PlanProblem[] = [];
  const hosts = plannedHosts(cfg, problems);
  const names = new Set(hosts.map((h) => h.name));
  const first = hosts[0]?.name;
  if (!first) return { plan, problems };

  for (const s of plan.services) {
    const host = cfg.services[s.name]?.host;
    if (host && !names.has(host))
      problems.push({ path: `homelab:services.${s.name}.host`, message: `unknown host '${host}' (homelab:hosts has: ${[...names].join(", ")})` });
  }
  const hostOf = (service: string) => reach.hostOf?.get(service) ?? first;

  // Gluetun's namespace is on one engine: every service routed through it must run there too.
  const gateway = plan.containers.find((c) => c.role === "vpn-gateway");
  if (gateway) {
    const gatewayHost = hostOf(gateway.service);
    for (const client of gateway.vpnClients ?? []) {
      const own = cfg.services[client.service]?.host;
      if (own && names.has(own) && own !== gatewayHost)
        problems.push({
          path: `homelab:services.${client.service}.host`,
          message: `${client.service} is routed through ${GLUETUN}, which runs on '${gatewayHost}': a container can only share the network namespace of a container on its own host (set host: ${gatewayHost}, or vpn: false)`,
        });
    }
  }

  let containers: PlannedContainer[] = plan.containers.map((c) => ({ ...c, host: hostOf(c.service) }));
  containers = withDozzleAgents(containers, plan, reach);
  containers = withRemoteRoutes(withSocketProxyPerHost(containers, plan, hosts, reach), plan);
  problems.push(...proxyNeighbourProblems(plan, containers));
  const order = hosts.map((h) => h.name);
  const networks = placeNetworks(plan.networks, containers, order, first, cfg.overlay.encrypted);
  const byService = new Map<string, string[]>();
  for (const c of containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c.name]);
  const services = plan.services.map((s) => ({ ...s, containers: byService.get(s.name) ?? [], host: hostOf(s.name) }));

  problems.push(...backupProblems(plan, containers));

  return { plan: { ...plan, hosts, containers, networks, services }, problems };
}

/**
 * Dozzle reads one engine; on the other hosts it gets an agent each (`dozzle agent`, reading that host's engine
 * through its socket proxy, DOCKER_HOST as every Docker client: amir20/dozzle@v8.14.5 internal/docker/client.go
 * NewLocalClient uses client.FromEnv), on Dozzle's own network, which then spans the hosts. Dozzle connects to
 * them from DOZZLE_REMOTE_AGENT (internal/support/cli/args.go, comma-separated) next to its local engine.
 */
function withDozzleAgents(containers: PlannedContainer[], plan: Plan, reach: HostReach): PlannedContainer[] {
  const dozzle = plan.services.find((s) => s.catalog === DOZZLE && s.dockerApi);
  const main = dozzle && containers.find((c) => c.name === dozzle.containers[0]);
  if (!main || reach.dozzleAgents.length === 0) return containers;
  const ingress = plan.networks.find((n) => n.kind === "ingress")?.name;
  const agents: PlannedContainer[] = reach.dozzleAgents.map((host) => ({
    name: onHost(`${main.name}-agent`, host),
    service: main.service,
    image: main.image,
    // Not routed: a worker, on Dozzle's own network and its host's vnet-socket only.
    role: "worker",
    networks: main.networks.filter((n) => n !== ingress),
    mounts: [],
    // The name Dozzle shows for the host (args.go DOZZLE_HOSTNAME).
    env: { ...(main.env.TZ ? { TZ: main.env.TZ } : {}), DOCKER_HOST: main.env.DOCKER_HOST, DOZZLE_HOSTNAME: host },
    secretEnv: {},
    ports: [DOZZLE_AGENT_PORT],
    hostPorts: [],
    labels: {
      ...policyLabels({ service: main.service, role: "worker", dockerApi: dozzle.dockerApi }),
      [PORTS_LABEL]: String(DOZZLE_AGENT_PORT),
    },
    // In agent mode the same subcommand checks the agent over its RPC port (internal/support/cli/health_command.go).
    ...(main.healthcheck ? { healthcheck: main.healthcheck } : {}),
    command: ["agent"],
    host,
  }));
  const remote = agents.map((a) => `${a.name}:${DOZZLE_AGENT_PORT}`).join(",");
  return [...containers.map((c) => (c === main ? { ...c, env: { ...c.env, DOZZLE_REMOTE_AGENT: remote } } : c)), ...agents];
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
 * Docker-API consumer — or whose engine a dashboard on another host reads — gets a copy (`<proxy>-<host>`)
 * answering to the proxy's own name on that host's vnet-socket, so the endpoint each consumer was given reaches
 * the engine it runs on. A host read from elsewhere also has its proxy, and those readers, on its
 * `vnet-socket-<host>` overlay, where the proxy answers to its per-host name (`<proxy>-<host>`) only.
 */
function withSocketProxyPerHost(containers: PlannedContainer[], plan: Plan, hosts: PlannedHost[], reach: HostReach): PlannedContainer[] {
  const socket = plan.networks.find((n) => n.kind === "socket" && !n.remoteEngine);
  const proxy = containers.find((c) => c.service === SOCKET_PROXY && c.name === plan.socketProxy?.container);
  if (!proxy || !socket) return containers;
  const remoteNet = new Map(plan.networks.filter((n) => n.remoteEngine).map((n) => [n.remoteEngine!, n.name]));
  const needing = hosts.filter(
    (h) => h.name !== proxy.host && (remoteNet.has(h.name) || containers.some((c) => c !== proxy && c.host === h.name && c.networks.includes(socket.name))),
  );
  const copies = needing.map((h) => ({ ...proxy, name: onHost(proxy.name, h.name), host: h.name, networkAliases: { [socket.name]: [proxy.name] } }));
  // A reader's main container (its service's first) → the hosts it reads; one pass, not a search per container.
  const readsOf = new Map<string, string[]>();
  for (const [host, readers] of reach.remoteReads)
    for (const r of readers) {
      const main = plan.services.find((s) => s.name === r)?.containers[0];
      if (main) readsOf.set(main, [...(readsOf.get(main) ?? []), host]);
    }
  return [...containers, ...copies].map((c) => {
    const remote = c.service === SOCKET_PROXY ? (remoteNet.has(c.host!) ? [c.host!] : []) : (readsOf.get(c.name) ?? []);
    const extra = remote.map((h) => remoteNet.get(h)).filter((n): n is string => n !== undefined);
    if (!extra.length) return c;
    // The proxy that kept the plain name answers on its overlay to its per-host name as well: on a reader's host
    // the plain name is that host's own proxy (the alias above), so readers elsewhere name every remote engine `<proxy>-<host>`.
    const own = c === proxy ? { networkAliases: { ...c.networkAliases, [extra[0]]: [onHost(proxy.name, c.host!)] } } : {};
    return { ...c, networks: [...c.networks, ...extra], ...own };
  });
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
  // One bridge per host for vnet-socket (its members are each host's proxy and consumers); an overlay only where
  // members really are apart (a remote-read network always is: one host's proxy, readers on the others).
  if ((n.kind === "socket" && !n.remoteEngine) || hosts.length < 2) return placed;
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
