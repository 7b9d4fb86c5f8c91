import { ContainerView, DOCKER_SOCKETS, exposesDockerSocket, judgeContainer, LABELS, sharedNamespaceOwner, viewFromLabels } from "../policy/networkPolicy";
import { compareNames } from "./order";
import { NETWORK_POLICY } from "./policy";
import type { Plan, PlannedContainer, PlannedNetwork } from "./types";

/**
 * Reality versus the plan: what a Docker engine runs, compared with what the plan says and what the
 * network policy allows. Pure — the engine is read elsewhere (cli/audit.ts) into an EngineSnapshot.
 */

export interface EngineMount {
  source: string;
  target: string;
  readOnly: boolean;
  /** `bind`, `volume`, `tmpfs`…; absent counts as a bind (the cautious reading). */
  type?: string;
}

export interface EngineContainer {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  /** running, exited, restarting, created, … */
  state: string;
  labels: Record<string, string>;
  /** HostConfig.NetworkMode: a network name, `default`, or `container:<id>` for a shared namespace. */
  networkMode: string;
  /** Names of the networks it is attached to (empty when it shares another container's namespace). */
  networks: string[];
  mounts: EngineMount[];
  /** Host ports it publishes (when the engine reported them); judged by the shared policy with the homelab.published label. */
  hostPorts?: number[];
}

export interface EngineNetwork {
  id: string;
  name: string;
  /** IPAM subnets, as Docker reports them. */
  subnets: string[];
  labels: Record<string, string>;
}

export interface EngineSnapshot {
  containers: EngineContainer[];
  networks: EngineNetwork[];
}

export const FINDING_KINDS = [
  "missing-network",
  "subnet",
  "stray-network",
  "missing-container",
  "not-running",
  "unknown-container",
  "unexpected-network",
  "missing-from-network",
  "namespace",
  "docker-socket",
  "policy",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  /** The container or network the finding is about. */
  object: string;
  expected: string;
  actual: string;
}

/** A running container as the shared policy sees it: its labels, and the engine's networks with theirs. */
export function engineView(c: EngineContainer, networks: Map<string, EngineNetwork>, withDatabase: ReadonlySet<string> = new Set()): ContainerView {
  return {
    name: c.name,
    ...viewFromLabels(c.labels),
    sharedNamespace: sharedNamespaceOwner(c.networkMode) === undefined ? undefined : c.networkMode,
    hostNetwork: c.networkMode === "host",
    networks: c.networks.map((name) => {
      const owner = networks.get(name)?.labels[LABELS.service];
      return { name, kind: networks.get(name)?.labels[LABELS.networkKind], owner, ownerHasDatabase: !!owner && withDatabase.has(owner) };
    }),
    hostPorts: c.hostPorts ?? [],
    hostname: false,
    mounts: c.mounts.map((m) => ({ ...m, bind: m.type !== "volume" })),
  };
}

const mountsSocket = (m: EngineMount) => (m.type !== "volume" && exposesDockerSocket(m.source)) || DOCKER_SOCKETS.includes(m.target);

/** Why the policy forbids a planned container on a planned network, when it does. */
function policyReason(c: PlannedContainer, net: PlannedNetwork | undefined): string {
  if (!net) return "";
  if (net.kind === "service" && net.service !== c.service) return NETWORK_POLICY[c.role].reachesDatabases ? "" : `; nothing joins another service's network`;
  const key = net.kind === "service" ? "own" : net.kind;
  return NETWORK_POLICY[c.role][key] === "never"
    ? `; a ${c.role} container must never be on ${net.kind === "service" ? "its service network" : `vnet-${net.kind}`}`
    : "";
}

export function auditFindings(plan: Plan, engine: EngineSnapshot): Finding[] {
  const findings: Finding[] = [];
  const add = (kind: FindingKind, object: string, expected: string, actual: string) => findings.push({ kind, object, expected, actual });

  const plannedContainers = new Map(plan.containers.map((c) => [c.name, c]));
  const plannedNetworks = new Map(plan.networks.map((n) => [n.name, n]));
  const realByName = new Map(engine.containers.map((c) => [c.name, c]));
  const realNetworks = new Map(engine.networks.map((n) => [n.name, n]));

  /** `container:<id or name>` → the container it names, when it still exists. */
  const namespaceHolder = (mode: string): EngineContainer | undefined => {
    const ref = sharedNamespaceOwner(mode);
    if (!ref) return undefined;
    return realByName.get(ref) ?? engine.containers.find((c) => ref.length >= 12 && c.id.startsWith(ref));
  };
  const describeNamespace = (mode: string) => {
    const holder = namespaceHolder(mode);
    return holder ? `in ${holder.name}'s namespace` : `in the namespace of ${sharedNamespaceOwner(mode)!.slice(0, 12)}, a container that no longer exists`;
  };
  const describeNetworks = (r: EngineContainer) =>
    sharedNamespaceOwner(r.networkMode) ? describeNamespace(r.networkMode) : `networks: ${[...r.networks].sort().join(", ") || "none"}`;

  for (const n of plan.networks) {
    const real = realNetworks.get(n.name);
    if (!real) add("missing-network", n.name, `${n.kind} network ${n.subnet}`, "absent");
    else if (!real.subnets.includes(n.subnet)) add("subnet", n.name, n.subnet, real.subnets.join(", ") || "no subnet");
  }
  for (const real of engine.networks)
    if (real.name.startsWith(`${plan.prefix}vnet-`) && !plannedNetworks.has(real.name))
      add("stray-network", real.name, "not in the plan", real.subnets.join(", ") || "exists");

  for (const c of plan.containers) {
    const real = realByName.get(c.name);
    if (!real) {
      add("missing-container", c.name, `${c.role}, ${c.networkMode ?? `networks: ${c.networks.join(", ")}`}`, "absent");
      continue;
    }
    if (real.state !== "running") add("not-running", c.name, "running", real.state);

    const owner = sharedNamespaceOwner(c.networkMode);
    if (owner) {
      const holder = namespaceHolder(real.networkMode);
      if (holder?.name !== owner) add("namespace", c.name, `in ${owner}'s namespace (${c.networkMode})`, describeNetworks(real));
      continue;
    }
    if (sharedNamespaceOwner(real.networkMode)) {
      add("namespace", c.name, `networks: ${c.networks.join(", ")}`, describeNamespace(real.networkMode));
      continue;
    }
    for (const net of real.networks.filter((n) => !c.networks.includes(n)))
      add("unexpected-network", c.name, `not on ${net} (plan: ${c.networks.join(", ") || "none"}${policyReason(c, plannedNetworks.get(net))})`, `on ${net}`);
    for (const net of c.networks.filter((n) => !real.networks.includes(n)))
      add("missing-from-network", c.name, `on ${net}`, `not on it (networks: ${[...real.networks].sort().join(", ") || "none"})`);
  }

  const managedNamespace = (r: EngineContainer) => {
    const holder = namespaceHolder(r.networkMode);
    return !!holder && plannedContainers.has(holder.name);
  };
  for (const real of engine.containers) {
    if (plannedContainers.has(real.name)) continue;
    const managed = real.networks.filter((n) => plannedNetworks.has(n));
    if (managed.length) add("unknown-container", real.name, `only planned containers on ${managed.join(", ")}`, `on ${managed.join(", ")}`);
    else if (managedNamespace(real))
      add("unknown-container", real.name, "only planned containers in a stack container's namespace", describeNamespace(real.networkMode));
  }

  // The socket is a host-wide risk: every container that belongs to the stack or touches it is checked.
  const socketProxies = plan.containers.filter((c) => c.role === "socket-proxy").map((c) => c.name);
  const inScope = (r: EngineContainer) =>
    plannedContainers.has(r.name) || r.name.startsWith(plan.prefix) || r.networks.some((n) => plannedNetworks.has(n)) || managedNamespace(r);
  for (const real of engine.containers.filter(inScope)) {
    const mounts = real.mounts.filter(mountsSocket);
    if (!mounts.length) continue;
    const readWrite = mounts.some((m) => !m.readOnly);
    const how = `mounts ${mounts[0].source} ${readWrite ? "read-write" : "read-only"}`;
    if (socketProxies.includes(real.name)) {
      if (readWrite) add("docker-socket", real.name, "the Docker socket read-only", how);
    } else add("docker-socket", real.name, `no Docker socket (only ${socketProxies.join(", ") || "the socket proxy"} may mount it, read-only)`, how);
  }

  // Everything else the shared policy says, for every container of the stack that says what it is.
  const judged = engine.containers.filter((r) => inScope(r) && r.labels[LABELS.role]);
  const withDatabase = new Set(judged.filter((r) => r.labels[LABELS.role] === "database").map((r) => r.labels[LABELS.service]));
  for (const real of judged) {
    for (const v of judgeContainer(engineView(real, realNetworks, withDatabase)))
      if (v.rule !== "docker-socket") add("policy", real.name, "the network policy", v.message);
  }

  const order = (k: FindingKind) => FINDING_KINDS.indexOf(k);
  return findings.sort((a, b) => order(a.kind) - order(b.kind) || compareNames(a.object, b.object) || compareNames(a.actual, b.actual));
}
