import * as docker from "@pulumi/docker";
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import {
  ContainerView,
  judgeContainer,
  LABELS,
  MountView,
  NETWORK_KINDS,
  NetworkView,
  RuleName,
  sharedNamespaceOwner,
  SOCKET_PROXY_IMAGE,
  viewFromLabels,
} from "./networkPolicy";

/**
 * The network policy (policy/networkPolicy.ts, the same module the planner, the audit and the diagram
 * judge by) applied to what the program actually registers — the docker Container and Network inputs —
 * rather than to the plan. It reads only the labels the components put on every resource (`homelab.role`,
 * `homelab.service`, `homelab.docker-api`, `homelab.expose` on containers; `homelab.network-kind`,
 * `homelab.service` on networks), so it also judges resources the planner never saw (a hand-written
 * container, a transform, a future component).
 *
 * Kept free of imports from the program so the pack runs on its own (`pulumi preview --policy-pack policy`).
 * Importing this module starts nothing; `index.ts` builds the PolicyPack (which starts the policy server).
 */

export const CONTAINER_TYPE = "docker:index/container:Container";
export const NETWORK_TYPE = "docker:index/network:Network";
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const DOCKER_DEFAULT_BRIDGE = "172.17.0.0/16";

type ContainerProps = Partial<docker.ContainerArgs> & Record<string, any>;
type Label = { label?: string; value?: string };

export function labelsOf(props: { labels?: unknown }): Record<string, string> {
  const labels = Array.isArray(props.labels) ? (props.labels as Label[]) : [];
  return Object.fromEntries(labels.filter((l) => typeof l?.label === "string").map((l) => [l.label!, String(l.value ?? "")]));
}

/** Everything a container mounts: `mounts` (binds, volumes) and the legacy `volumes` host paths. */
function mountsOf(props: ContainerProps): MountView[] {
  const mounts = Array.isArray(props.mounts) ? props.mounts : [];
  const volumes = Array.isArray(props.volumes) ? props.volumes : [];
  return [
    ...mounts.map((m: any) => ({ source: String(m?.source ?? ""), target: String(m?.target ?? ""), readOnly: m?.readOnly === true, bind: m?.type === "bind" })),
    ...volumes
      .filter((v: any) => typeof v?.hostPath === "string")
      .map((v: any) => ({ source: v.hostPath, target: String(v.containerPath ?? ""), readOnly: v.readOnly === true, bind: true })),
  ];
}

/** `envs` ("KEY=value" strings) as a map; undefined while unknown (a preview of values computed at apply). */
function envOf(props: ContainerProps): Record<string, string> | undefined {
  if (!Array.isArray(props.envs)) return undefined;
  const env: Record<string, string> = {};
  for (const entry of props.envs) {
    if (typeof entry !== "string") continue;
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** What the stack around a container tells about it: its networks (by Docker name), services with a database, its socket proxies. */
export interface StackContext {
  networks: Map<string, Record<string, string>>;
  withDatabase: ReadonlySet<string>;
  socketProxies: string[];
}

/** A registered container as the shared policy sees it; `stack` tells what each network of the stack is (by Docker name). */
export function containerView(
  props: ContainerProps,
  name: string | undefined,
  { networks, withDatabase, socketProxies }: StackContext = { networks: new Map(), withDatabase: new Set(), socketProxies: [] },
): ContainerView {
  const mode = typeof props.networkMode === "string" ? props.networkMode : undefined;
  const joined = (Array.isArray(props.networksAdvanced) ? props.networksAdvanced : []).map((n: any) => String(n?.name));
  return {
    name: String(props.name ?? name ?? "container"),
    ...viewFromLabels(labelsOf(props)),
    sharedNamespace: sharedNamespaceOwner(mode) === undefined ? undefined : mode,
    hostNetwork: mode === "host",
    networks: joined.map((n): NetworkView => {
      const owner = networks.get(n)?.[LABELS.service];
      return { name: n, kind: networks.get(n)?.[LABELS.networkKind], owner, ownerHasDatabase: !!owner && withDatabase.has(owner) };
    }),
    hostPorts: (Array.isArray(props.ports) ? props.ports : []).map((p: any) => p?.external ?? p?.internal),
    hostname: !!props.hostname,
    mounts: mountsOf(props),
    env: envOf(props),
    socketProxies,
  };
}

/** Rules judged across the stack: they need its networks (membership) or its socket proxies (where DOCKER_HOST may point). */
export const STACK_RULES: readonly RuleName[] = ["foreign-network", "membership", "protected-env"];

/** Rules a single container's inputs decide. */
const RESOURCE_RULES: Record<Exclude<RuleName, "foreign-network" | "membership" | "protected-env">, { name: string; description: string }> = {
  labels: {
    name: "homelab-container-labels",
    description: "Every container carries homelab.service and homelab.role, the labels the network policy is judged by.",
  },
  "docker-socket": {
    name: "docker-socket-only-socket-proxy-read-only",
    description: "Only the socket proxy mounts the Docker socket (or a folder above it), and only read-only.",
  },
  "shared-namespace": {
    name: "shared-namespace-no-networks-or-ports",
    description: "A container sharing another's network namespace (VPN-routed) has no networks, ports or hostname of its own.",
  },
  "own-networks": {
    name: "own-networks-not-default-bridge-or-host",
    description: "Every container is on the stack's own networks (or shares a container's namespace), never the host network or Docker's default bridge.",
  },
  "host-ports": {
    name: "host-ports-only-proxy-or-vpn-gateway",
    description:
      "Only the reverse proxy and the VPN gateway publish host ports, and any container the ports its owner lists in publish (the homelab.published label).",
  },
  route: {
    name: "routes-only-to-routable-roles",
    description: "No route ever leads to the socket proxy, the CrowdSec LAPI, a database, a cache, the VPN gateway or the tunnel connector.",
  },
};

/** One check per rule a container's own inputs decide, reported in the shared policy's words. Exported for unit tests. */
export function containerViolations(props: ContainerProps, rule: RuleName, report: ReportViolation, name?: string): void {
  for (const v of judgeContainer(containerView(props, name))) if (v.rule === rule) report(v.message);
}

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
    if (!(NETWORK_KINDS as readonly string[]).includes(kind))
      report(`network ${props.name} has no valid 'homelab.network-kind' label (got ${JSON.stringify(kind)}; expected one of ${NETWORK_KINDS.join(", ")})`);
    if ((kind === "service" || kind === "link") && !labels["homelab.service"])
      report(`${kind} network ${props.name} has no 'homelab.service' label naming its owner`);
  },
  privateSubnets(props: Record<string, any>, report: ReportViolation): void {
    const ipam = Array.isArray(props.ipamConfigs) ? props.ipamConfigs : [];
    if (!ipam.length) report(`network ${props.name} has no fixed subnet: Docker would pick one that may collide with the LAN`);
    for (const { subnet } of ipam) {
      const range = parseCidr(subnet);
      if (!range) report(`network ${props.name} has an unreadable subnet ${JSON.stringify(subnet)}`);
      else if (!PRIVATE_RANGES.some((p) => within(range, p))) report(`network ${props.name} subnet ${subnet} is not in a private range`);
      else if (overlapsRange(range, DOCKER_DEFAULT_BRIDGE))
        report(`network ${props.name} subnet ${subnet} overlaps Docker's default bridge ${DOCKER_DEFAULT_BRIDGE}`);
    }
  },
};

interface StackResource {
  type: string;
  name?: string;
  urn?: string;
  props: Record<string, any>;
  /** Input name → the resources its value comes from (the policy server's propertyDependencies). */
  propertyDependencies?: Record<string, StackResource[]>;
}

export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";

/** The image references a container runs, as far as its inputs tell: one written out, or the RemoteImage its `image` comes from. */
function imageRefsOf(r: StackResource): string[] {
  const image = r.props.image;
  if (typeof image === "string" && image !== "" && !image.startsWith("sha256:")) return [image];
  return (r.propertyDependencies?.image ?? [])
    .filter((d) => d.type === REMOTE_IMAGE_TYPE && typeof d.props.name === "string")
    .map((d) => d.props.name as string);
}

const isTrustedSocketProxyImage = (ref: string) => ref === SOCKET_PROXY_IMAGE || ref.startsWith(`${SOCKET_PROXY_IMAGE}@sha256:`);

/**
 * The socket proxy holds the Docker socket: only the pinned image may (the planner refuses any other `image` at its
 * key; this catches a transform or a hand-written container). A container registers an image id, so the reference is
 * read from the RemoteImage that id comes from; one whose image cannot be told is refused too.
 */
export function socketProxyImageViolations(resources: StackResource[]): { urn?: string; message: string }[] {
  return resources
    .filter((r) => r.type === CONTAINER_TYPE && labelsOf(r.props)[LABELS.role] === "socket-proxy")
    .flatMap((r) => {
      const who = `${String(r.props.name ?? r.name)} (socket proxy)`;
      const refs = imageRefsOf(r);
      if (refs.length === 0)
        return [{ urn: r.urn, message: `${who}: which image it runs cannot be told; register it from a docker.RemoteImage named ${SOCKET_PROXY_IMAGE}` }];
      return refs
        .filter((ref) => !isTrustedSocketProxyImage(ref))
        .map((ref) => ({ urn: r.urn, message: `${who} runs ${ref}: only ${SOCKET_PROXY_IMAGE} is trusted with the Docker socket` }));
    });
}

/**
 * The stack rules: a container's networks are looked up among the stack's Network resources (by Docker
 * name) to learn their kind and owner from their labels; DOCKER_HOST among its socket-proxy containers.
 */
export function stackViolations(resources: StackResource[], rules: readonly RuleName[] = STACK_RULES): { urn?: string; message: string }[] {
  const networks = new Map<string, Record<string, string>>();
  for (const r of resources.filter((r) => r.type === NETWORK_TYPE)) networks.set(r.props.name, labelsOf(r.props));
  const containers = resources.filter((r) => r.type === CONTAINER_TYPE);
  const withRole = (role: string) => containers.filter((r) => labelsOf(r.props)[LABELS.role] === role);
  const stack: StackContext = {
    networks,
    // services that keep a database: the backup agent may join their networks (NETWORK_POLICY reachesDatabases)
    withDatabase: new Set(withRole("database").map((r) => labelsOf(r.props)[LABELS.service])),
    socketProxies: withRole("socket-proxy").map((r) => String(r.props.name ?? r.name)),
  };
  return containers.flatMap((r) =>
    judgeContainer(containerView(r.props, r.name, stack))
      .filter((v) => rules.includes(v.rule))
      .map((v) => ({ urn: r.urn, message: v.message })),
  );
}

/** A policy server resource as the stack rules read it (its property dependencies one level deep). */
function toStackResource(r: PolicyResource): StackResource {
  const propertyDependencies = Object.fromEntries(
    Object.entries(r.propertyDependencies ?? {}).map(([key, deps]) => [key, deps.map((d) => ({ type: d.type, name: d.name, urn: d.urn, props: d.props }))]),
  );
  return { type: r.type, name: r.name, urn: r.urn, props: r.props, propertyDependencies };
}

const onContainer = (check: (props: ContainerProps, report: ReportViolation) => void) =>
  validateResourceOfType(docker.Container, (props, _args, report) => check(props as ContainerProps, report));
const onNetwork = (check: (props: Record<string, any>, report: ReportViolation) => void) =>
  validateResourceOfType(docker.Network, (props, _args, report) => check(props as Record<string, any>, report));

export const resourcePolicies: ResourceValidationPolicy[] = [
  ...Object.entries(RESOURCE_RULES).map(([rule, p]) => ({
    ...p,
    validateResource: onContainer((props, report) => containerViolations(props, rule as RuleName, report)),
  })),
  {
    name: "homelab-network-labels",
    description: "Every network says what it is (homelab.network-kind) and, for service and link networks, whose it is.",
    validateResource: onNetwork(networkChecks.labels),
  },
  {
    name: "private-fixed-subnets",
    description: "Every network has a fixed subnet in a private range, clear of Docker's default bridge.",
    validateResource: onNetwork(networkChecks.privateSubnets),
  },
];

export const stackPolicies: StackValidationPolicy[] = [
  {
    name: "network-membership",
    description:
      "Every container on exactly the networks its role allows (the shared table): databases and caches only on their own service network, nobody on another service's network, only Docker API clients and the socket proxy on vnet-socket, no network from outside the stack.",
    validateStack: (args, report) => {
      const resources = args.resources.map((r: PolicyResource) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props }));
      for (const v of stackViolations(resources, ["foreign-network", "membership"])) report(v.message, v.urn);
    },
  },
  {
    name: "socket-proxy-image",
    description: `Only the pinned socket proxy image (${SOCKET_PROXY_IMAGE}) runs as the socket proxy, the one container with the Docker socket.`,
    validateStack: (args, report) => {
      for (const v of socketProxyImageViolations(args.resources.map(toStackResource))) report(v.message, v.urn);
    },
  },
  {
    name: "protected-settings",
    description:
      "No container overrides a setting the stack guarantees (policy/networkPolicy.ts PROTECTED_ENV, the planner's table): the socket proxy's backend and rules, Gluetun's control server, DNS and inbound ports, cloudflared's settings, the backup agent's password source; DOCKER_HOST only on Docker API clients and only to the stack's socket proxy.",
    validateStack: (args, report) => {
      const resources = args.resources.map((r: PolicyResource) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props }));
      for (const v of stackViolations(resources, ["protected-env"])) report(v.message, v.urn);
    },
  },
];

export const policies = [...resourcePolicies, ...stackPolicies];
