import * as docker from "@pulumi/docker";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";

/**
 * The seed's network policy as CrossGuard rules over what the program actually registers — the docker
 * Container and Network inputs — rather than over the plan. It reads only the labels the components put
 * on every resource (`homelab.role`, `homelab.service` on containers; `homelab.network-kind`,
 * `homelab.service` on networks), so it also judges resources the planner never saw (a hand-written
 * container, a transform, a future component).
 *
 * Kept free of imports from the program so the pack runs on its own (`pulumi preview --policy-pack policy`).
 * Importing this module starts nothing; `index.ts` builds the PolicyPack (which starts the policy server).
 */

export const CONTAINER_TYPE = "docker:index/container:Container";
export const NETWORK_TYPE = "docker:index/network:Network";
export const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];
const NETWORK_KINDS = ["ingress", "socket", "service", "link"];
/** Roles whose containers may never be on vnet-socket (the seed's "never" column; the rest join it only for the Docker API). */
const NEVER_ON_SOCKET = ["web", "database", "cache", "auth", "ips", "tunnel", "vpn-gateway"];
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const DOCKER_DEFAULT_BRIDGE = "172.17.0.0/16";

type ContainerProps = Partial<docker.ContainerArgs> & Record<string, any>;
type Label = { label?: string; value?: string };

export function labelsOf(props: { labels?: unknown }): Record<string, string> {
  const labels = Array.isArray(props.labels) ? (props.labels as Label[]) : [];
  return Object.fromEntries(labels.filter((l) => typeof l?.label === "string").map((l) => [l.label!, String(l.value ?? "")]));
}

/** True when binding `source` puts a Docker socket into the container: the socket itself or any folder above it. */
export function revealsDockerSocket(source: unknown): boolean {
  if (typeof source !== "string" || !source.startsWith("/")) return false;
  const p = source.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
  return DOCKER_SOCKETS.some((socket) => socket === p || socket.startsWith(p === "/" ? "/" : `${p}/`));
}

function describeContainer(props: ContainerProps, name?: string): string {
  const labels = labelsOf(props);
  return `${props.name ?? name ?? "container"} (${labels["homelab.role"] ?? "no role"})`;
}

/** Host paths a container binds, from `mounts` (type bind) and the legacy `volumes` host paths. */
function boundHostPaths(props: ContainerProps): { source: string; target?: string; readOnly: boolean }[] {
  const mounts = Array.isArray(props.mounts) ? props.mounts : [];
  const volumes = Array.isArray(props.volumes) ? props.volumes : [];
  return [
    ...mounts.filter((m: any) => m?.type === "bind" || m?.target === DOCKER_SOCKETS[0]).map((m: any) => ({ source: m.source, target: m.target, readOnly: m.readOnly === true })),
    ...volumes.filter((v: any) => typeof v?.hostPath === "string").map((v: any) => ({ source: v.hostPath, target: v.containerPath, readOnly: v.readOnly === true })),
  ];
}

/** One check per container, reported in the pack's words. Exported for unit tests and the stack rule's reuse. */
export const containerChecks = {
  labels(props: ContainerProps, report: ReportViolation): void {
    const labels = labelsOf(props);
    for (const label of ["homelab.service", "homelab.role"]) {
      if (!labels[label]) report(`${describeContainer(props)} has no '${label}' label: the network policy cannot be checked for it`);
    }
  },
  dockerSocket(props: ContainerProps, report: ReportViolation): void {
    const role = labelsOf(props)["homelab.role"];
    for (const m of boundHostPaths(props)) {
      if (!revealsDockerSocket(m.source) && !DOCKER_SOCKETS.includes(m.target ?? "")) continue;
      if (role !== "socket-proxy") report(`${describeContainer(props)} mounts ${m.source} (the Docker socket): only the socket proxy may`);
      else if (!m.readOnly) report(`${describeContainer(props)} mounts the Docker socket read-write: it must be read-only`);
    }
  },
  sharedNamespace(props: ContainerProps, report: ReportViolation): void {
    if (typeof props.networkMode !== "string" || !props.networkMode.startsWith("container:")) return;
    const networks = Array.isArray(props.networksAdvanced) ? props.networksAdvanced : [];
    const ports = Array.isArray(props.ports) ? props.ports : [];
    if (networks.length) report(`${describeContainer(props)} shares another container's network namespace and must not join networks (${networks.map((n: any) => n?.name).join(", ")})`);
    if (ports.length) report(`${describeContainer(props)} shares another container's network namespace and cannot publish ports`);
    if (props.hostname) report(`${describeContainer(props)} shares another container's network namespace and cannot set a hostname`);
  },
  ownNetworks(props: ContainerProps, report: ReportViolation): void {
    const mode = props.networkMode;
    const networks = Array.isArray(props.networksAdvanced) ? props.networksAdvanced : [];
    if (mode === "host") report(`${describeContainer(props)} uses the host's network stack: it must live on the stack's own networks`);
    // With networksAdvanced the provider detaches the container from Docker's default bridge; without, it stays there.
    else if ((mode === undefined || mode === "bridge" || mode === "default") && networks.length === 0) {
      report(`${describeContainer(props)} joins none of the stack's networks, so it sits on Docker's default bridge with every other such container`);
    }
  },
  hostPorts(props: ContainerProps, report: ReportViolation): void {
    const labels = labelsOf(props);
    const role = labels["homelab.role"];
    // The owner's `publish` list travels as the homelab.published label: those ports, and only those, are allowed.
    const asked = new Set(String(labels["homelab.published"] ?? "").split(",").filter(Boolean).map(Number));
    const ports = (Array.isArray(props.ports) ? props.ports : []).filter((p: any) => !asked.has(Number(p?.external ?? p?.internal)));
    if (ports.length && role !== "proxy" && role !== "vpn-gateway") {
      report(`${describeContainer(props)} publishes host port(s) ${ports.map((p: any) => p?.external ?? p?.internal).join(", ")}: only the proxy, the VPN gateway and ports the owner lists in publish may`);
    }
  },
};

function parseCidr(cidr: unknown): [number, number] | undefined {
  const m = typeof cidr === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr) : null;
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const start = octets.reduce((n, o) => n * 256 + o, 0);
  return [start, start + 2 ** (32 - bits) - 1];
}
const within = (inner: [number, number], outer: string) => {
  const o = parseCidr(outer)!;
  return inner[0] >= o[0] && inner[1] <= o[1];
};
const overlapsRange = (a: [number, number], b: string) => {
  const o = parseCidr(b)!;
  return a[0] <= o[1] && o[0] <= a[1];
};

export const networkChecks = {
  labels(props: Record<string, any>, report: ReportViolation): void {
    const labels = labelsOf(props);
    const kind = labels["homelab.network-kind"];
    if (!NETWORK_KINDS.includes(kind)) report(`network ${props.name} has no valid 'homelab.network-kind' label (got ${JSON.stringify(kind)}; expected one of ${NETWORK_KINDS.join(", ")})`);
    if ((kind === "service" || kind === "link") && !labels["homelab.service"]) report(`${kind} network ${props.name} has no 'homelab.service' label naming its owner`);
  },
  privateSubnets(props: Record<string, any>, report: ReportViolation): void {
    const ipam = Array.isArray(props.ipamConfigs) ? props.ipamConfigs : [];
    if (!ipam.length) report(`network ${props.name} has no fixed subnet: Docker would pick one that may collide with the LAN`);
    for (const { subnet } of ipam) {
      const range = parseCidr(subnet);
      if (!range) report(`network ${props.name} has an unreadable subnet ${JSON.stringify(subnet)}`);
      else if (!PRIVATE_RANGES.some((p) => within(range, p))) report(`network ${props.name} subnet ${subnet} is not in a private range`);
      else if (overlapsRange(range, DOCKER_DEFAULT_BRIDGE)) report(`network ${props.name} subnet ${subnet} overlaps Docker's default bridge ${DOCKER_DEFAULT_BRIDGE}`);
    }
  },
};

interface StackResource {
  type: string;
  name?: string;
  urn?: string;
  props: Record<string, any>;
}

/**
 * Memberships, judged across the stack: a container's networks are looked up among the stack's Network
 * resources (by Docker name) to learn their kind and owner from their labels.
 */
export function membershipViolations(resources: StackResource[]): { urn?: string; message: string }[] {
  const violations: { urn?: string; message: string }[] = [];
  const networks = new Map<string, Record<string, string>>();
  for (const r of resources.filter((r) => r.type === NETWORK_TYPE)) networks.set(r.props.name, labelsOf(r.props));

  for (const r of resources.filter((r) => r.type === CONTAINER_TYPE)) {
    const labels = labelsOf(r.props);
    const role = labels["homelab.role"];
    const service = labels["homelab.service"];
    const who = describeContainer(r.props, r.name);
    const report = (message: string) => violations.push({ urn: r.urn, message });
    const joined = (Array.isArray(r.props.networksAdvanced) ? r.props.networksAdvanced : []).map((n: any) => n?.name as string);
    for (const name of joined) {
      const net = networks.get(name);
      if (!net) {
        report(`${who} joins ${name}, which is not a network of this stack`);
        continue;
      }
      const kind = net["homelab.network-kind"];
      const owner = net["homelab.service"];
      if (kind === "service" && owner !== service) report(`${who} joins ${name}, the network of ${owner ? `service '${owner}'` : "an unnamed service"}: nobody joins another service's network`);
      if ((role === "database" || role === "cache") && kind !== "service") report(`${who} is on ${name} (${kind}): databases and caches live only on their service's own network`);
      if (kind === "socket" && NEVER_ON_SOCKET.includes(role)) report(`${who} is on ${name}: only the socket proxy and Docker API clients belong on the socket network`);
      if (role === "socket-proxy" && kind !== "socket") report(`${who} is on ${name} (${kind}): the socket proxy lives only on the socket network`);
    }
  }
  return violations;
}

const onContainer = (check: (props: ContainerProps, report: ReportViolation) => void) => validateResourceOfType(docker.Container, (props, _args, report) => check(props as ContainerProps, report));
const onNetwork = (check: (props: Record<string, any>, report: ReportViolation) => void) => validateResourceOfType(docker.Network, (props, _args, report) => check(props as Record<string, any>, report));

export const resourcePolicies: ResourceValidationPolicy[] = [
  { name: "homelab-container-labels", description: "Every container carries homelab.service and homelab.role, the labels the network policy is judged by.", validateResource: onContainer(containerChecks.labels) },
  { name: "docker-socket-only-socket-proxy-read-only", description: "Only the socket proxy mounts the Docker socket (or a folder above it), and only read-only.", validateResource: onContainer(containerChecks.dockerSocket) },
  { name: "shared-namespace-no-networks-or-ports", description: "A container sharing another's network namespace (VPN-routed) has no networks, ports or hostname of its own.", validateResource: onContainer(containerChecks.sharedNamespace) },
  { name: "own-networks-not-default-bridge-or-host", description: "Every container is on the stack's own networks (or shares a container's namespace), never the host network or Docker's default bridge.", validateResource: onContainer(containerChecks.ownNetworks) },
  { name: "host-ports-only-proxy-or-vpn-gateway", description: "Only the reverse proxy and the VPN gateway publish host ports.", validateResource: onContainer(containerChecks.hostPorts) },
  { name: "homelab-network-labels", description: "Every network says what it is (homelab.network-kind) and, for service and link networks, whose it is.", validateResource: onNetwork(networkChecks.labels) },
  { name: "private-fixed-subnets", description: "Every network has a fixed subnet in a private range, clear of Docker's default bridge.", validateResource: onNetwork(networkChecks.privateSubnets) },
];

export const stackPolicies: StackValidationPolicy[] = [
  {
    name: "network-membership",
    description: "Databases and caches only on their own service network; nobody on another service's network; only Docker API clients and the socket proxy on vnet-socket; no network from outside the stack.",
    validateStack: (args, report) => {
      const resources = args.resources.map((r: PolicyResource) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props }));
      for (const v of membershipViolations(resources)) report(v.message, v.urn);
    },
  },
];

export const policies = [...resourcePolicies, ...stackPolicies];
