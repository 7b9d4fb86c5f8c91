import { sharedNamespaceOwner } from "../policy/networkPolicy";
import { namespaceMembers, namespaceOwner, neededPaths, planAllows } from "./reachability";
import type { Plan } from "./types";

/**
 * `homelab audit --probe`, the pure half: which connections to try from which namespace, and what the
 * measured answers mean against the plan. The engine is read and probed in cli/probe/.
 */

/** A running namespace owner of the plan, as the engine shows it. */
export interface EngineNamespace {
  /** Planned name of the container that owns the namespace. */
  owner: string;
  /** Its endpoints; `network` is the planned name when the network belongs to the plan. */
  addresses: { network: string; ip: string; gateway: string }[];
}

/** Where the host's Docker API would listen if it were exposed over TCP (plain and TLS). */
export const DOCKER_API_PORTS = [2375, 2376];
/** `to` of a probe aimed at the host's Docker API (a network's gateway is the host). */
export const HOST_DOCKER_API = "host docker API";

export interface ProbeTarget {
  /** Planned name of the namespace owner the connection starts from. */
  from: string;
  /** The planned container that declares the port, or HOST_DOCKER_API. */
  to: string;
  network: string;
  ip: string;
  port: number;
}

export interface MeasuredProbe extends ProbeTarget {
  reachable: boolean;
}

export type Verdict = "finding" | "warning" | "ok";

export interface JudgedProbe extends MeasuredProbe {
  allowed: boolean;
  verdict: Verdict;
  reason?: string;
}

/** Who answers on a port of a namespace: the member that declares it; a routed client rather than its gateway, which lists its clients' ports too. */
function portHolders(plan: Plan, owner: string): Map<number, string> {
  const holders = new Map<number, string>();
  for (const m of namespaceMembers(plan, owner)) for (const p of m.ports) holders.set(p, m.name);
  return holders;
}

/** Every connection to try: each namespace to every other namespace's declared ports on every address, and to the host's Docker API. */
export function probeTargets(plan: Plan, namespaces: EngineNamespace[], dockerApiPorts: number[] = DOCKER_API_PORTS): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const src of namespaces) {
    for (const dst of namespaces) {
      if (dst.owner === src.owner) continue;
      const holders = portHolders(plan, dst.owner);
      for (const a of dst.addresses) for (const [port, to] of holders) targets.push({ from: src.owner, to, network: a.network, ip: a.ip, port });
    }
    const gateways = new Map(src.addresses.filter((a) => a.gateway).map((a) => [a.gateway, a.network]));
    for (const [ip, network] of gateways) for (const port of dockerApiPorts) targets.push({ from: src.owner, to: HOST_DOCKER_API, network, ip, port });
  }
  return targets;
}

function unexpectedReason(plan: Plan, p: MeasuredProbe): string {
  if (p.to === HOST_DOCKER_API) return "the host's Docker API answers over TCP: only the socket proxy may reach Docker, through the socket";
  const target = plan.containers.find((c) => c.name === p.to);
  const src = namespaceOwner(plan, p.from);
  const onNet = (name: string) => namespaceOwner(plan, name)?.networks.includes(p.network) ?? false;
  const where =
    !onNet(p.from) && !onNet(p.to) ? "neither is planned on it" : !onNet(p.from) ? `${p.from} is not planned on it` : `${p.to} is not planned on it`;
  const what =
    target?.role === "database" || target?.role === "cache"
      ? `; a ${target.role} must be reachable from its own service only`
      : target?.role === "socket-proxy"
        ? "; only the socket proxy's consumers may reach it"
        : src && target && src.service !== target.service
          ? "; nothing joins another service's network"
          : "";
  return `reachable on ${p.network}, but ${where}${what}`;
}

export interface NeededFailure {
  from: string;
  to: string;
  port: number;
  why: string;
  /** The addresses tried (on networks the plan gives both ends). */
  tried: string[];
}

/** Judges every measured probe, and lists the needed paths none of whose planned addresses answered. */
export function judgeProbes(plan: Plan, measured: MeasuredProbe[]): { probes: JudgedProbe[]; neededFailures: NeededFailure[] } {
  const probes = measured.map((p): JudgedProbe => {
    const allowed = p.to !== HOST_DOCKER_API && planAllows(plan, p.from, p.to, p.network);
    if (p.reachable && !allowed) return { ...p, allowed, verdict: "finding", reason: unexpectedReason(plan, p) };
    return { ...p, allowed, verdict: "ok" };
  });
  const neededFailures: NeededFailure[] = [];
  for (const need of neededPaths(plan)) {
    const from = namespaceOwner(plan, need.from)?.name;
    const cells = probes.filter(
      (p) => p.from === from && p.port === need.port && p.allowed && namespaceOwner(plan, p.to)?.name === namespaceOwner(plan, need.to)?.name,
    );
    // A namespace that did not run (stopped container) has no cells: the config audit reports that, not a path.
    if (cells.length === 0 || cells.some((c) => c.reachable)) continue;
    neededFailures.push({ ...need, tried: cells.map((c) => `${c.ip}:${c.port} (${c.network})`) });
    for (const c of cells) c.verdict = "warning";
  }
  return { probes, neededFailures };
}

/** A service that must leave through the VPN: it shares a VPN gateway's namespace in the plan. */
export interface RoutedContainer {
  service: string;
  container: string;
  gateway: string;
  /** The resolver Gluetun makes the namespace use. */
  resolver: string;
}

/**
 * Gluetun's DNS server listens on DNS_ADDRESS, default 127.0.0.1, and Gluetun points the namespace's
 * resolv.conf at it (qdm12/gluetun-wiki setup/options/dns.md, for v3.41).
 */
export const GLUETUN_DEFAULT_RESOLVER = "127.0.0.1";

export function routedContainers(plan: Plan): RoutedContainer[] {
  const gateways = new Map(plan.containers.filter((c) => c.role === "vpn-gateway").map((c) => [c.name, c]));
  return plan.containers.flatMap((c) => {
    const owner = sharedNamespaceOwner(c.networkMode);
    const gw = owner === undefined ? undefined : gateways.get(owner);
    return gw ? [{ service: c.service, container: c.name, gateway: gw.name, resolver: gw.env.DNS_ADDRESS ?? GLUETUN_DEFAULT_RESOLVER }] : [];
  });
}

/** What a namespace's egress looks like from inside it. */
export interface EgressObservation {
  /** The first `default` line of the routing table, normalised; undefined when there is none. */
  defaultRoute?: string;
  nameservers: string[];
  /** The address the echo endpoint saw, or why it could not be read. */
  egressIp?: string;
  egressError?: string;
}

export interface EgressVerdict extends RoutedContainer {
  observed: EgressObservation;
  verdict: Verdict;
  problems: string[];
}

/** A routed container leaks when its default route or public address is the host's, or its DNS is not Gluetun's. */
export function judgeEgress(routed: RoutedContainer, observed: EgressObservation, host: EgressObservation): EgressVerdict {
  const leaks: string[] = [];
  const unknown: string[] = [];
  if (observed.defaultRoute !== undefined && observed.defaultRoute === host.defaultRoute)
    leaks.push(`its default route is the host's (${observed.defaultRoute})`);
  if (observed.egressIp !== undefined && host.egressIp !== undefined && observed.egressIp === host.egressIp)
    leaks.push(`it leaves from the host's public address ${observed.egressIp}`);
  if (observed.egressIp === undefined) unknown.push(`its public address could not be measured (${observed.egressError ?? "no answer"})`);
  else if (host.egressIp === undefined)
    unknown.push(`the host's public address could not be measured (${host.egressError ?? "no answer"}), so ${observed.egressIp} cannot be compared`);
  const foreign = observed.nameservers.filter((ns) => ns !== routed.resolver);
  if (observed.nameservers.length === 0) leaks.push(`it has no resolver, not Gluetun's ${routed.resolver}`);
  else if (foreign.length > 0) leaks.push(`it resolves names through ${foreign.join(", ")}, not only Gluetun's ${routed.resolver}`);
  return {
    ...routed,
    observed,
    verdict: leaks.length > 0 ? "finding" : unknown.length > 0 ? "warning" : "ok",
    problems: [...leaks, ...unknown],
  };
}

export interface ProbeReport {
  stack: string;
  /** Namespaces probed from, and probes made. */
  namespaces: number;
  probes: JudgedProbe[];
  neededFailures: NeededFailure[];
  vpn: EgressVerdict[];
  host?: EgressObservation;
  /** Probes repeated with a longer timeout before a needed path was called broken. */
  rechecked: number;
  durationMs: number;
}

export function reportFindings(r: ProbeReport): { findings: number; warnings: number } {
  return {
    findings: r.probes.filter((p) => p.verdict === "finding").length + r.vpn.filter((v) => v.verdict === "finding").length,
    warnings: r.neededFailures.length + r.vpn.filter((v) => v.verdict === "warning").length,
  };
}
