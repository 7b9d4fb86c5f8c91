import type { StackConfig } from "../config/schema";
import { allocateServiceSubnets, checkSharedBlock, type AllocationResult, type Reserved, type SubnetRequest } from "./allocate";
import { DOCKER_DEFAULT_BRIDGE, formatBlock, gatewayOf, isNetworkAddress, overlaps, parseBlock, usableHosts } from "./cidr";
import { containerSpecs } from "./containers";
import type { Naming } from "./naming";
import { DOZZLE } from "../config/catalog";
import { NO_HOSTS, remoteSocketKey, type HostReach } from "./placement";
import { NETWORK_POLICY } from "./policy";
import { ingressDynamicRange } from "./tls";
import type { PlannedContainer, PlannedNetwork, PlanProblem, ResolvedService } from "./types";

/** The shared blocks (vnet-ingress, vnet-socket, the pool, the LAN) are well-formed and clear of each other. */
export function checkSharedNetworks(cfg: StackConfig): PlanProblem[] {
  const problems = [
    ...checkSharedBlock(cfg.network.ingress, "homelab:network.ingress", "vnet-ingress", 24),
    ...checkSharedBlock(cfg.network.socket, "homelab:network.socket", "vnet-socket", 24),
    ...checkSharedBlock(cfg.network.pool, "homelab:network.pool", "the pool"),
  ];
  // The LAN may be any range, but "192.168.1.1/24" (the router's address) would shift every overlap check by one.
  if (cfg.lan && !isNetworkAddress(cfg.lan)) {
    const { start, prefix } = parseBlock(cfg.lan);
    problems.push({
      path: "homelab:lan",
      message: `${cfg.lan} is not a network address (host bits set); did you mean ${formatBlock({ start: start - (start % 2 ** (32 - prefix)), prefix })}?`,
    });
  }
  const shared = [
    { cidr: cfg.network.ingress, what: "vnet-ingress", path: "homelab:network.ingress" },
    { cidr: cfg.network.socket, what: "vnet-socket", path: "homelab:network.socket" },
    ...(cfg.lan ? [{ cidr: cfg.lan, what: "the LAN", path: "homelab:lan" }] : []),
    { cidr: DOCKER_DEFAULT_BRIDGE, what: "Docker's default bridge", path: "" },
  ];
  for (let i = 0; i < shared.length; i++)
    for (let j = i + 1; j < shared.length; j++)
      if (overlaps(parseBlock(shared[i].cidr), parseBlock(shared[j].cidr)))
        problems.push({ path: shared[i].path || shared[j].path, message: `${shared[i].what} ${shared[i].cidr} overlaps ${shared[j].what} ${shared[j].cidr}` });
  const pool = parseBlock(cfg.network.pool);
  for (const s of shared.filter((s) => s.path === "homelab:lan" || s.path === ""))
    if (overlaps(pool, parseBlock(s.cidr)) && parseBlock(s.cidr).prefix <= pool.prefix)
      problems.push({ path: "homelab:network.pool", message: `the pool ${cfg.network.pool} lies inside ${s.what} ${s.cidr}` });
  return problems;
}

/** The owner's link networks, each with at least two services that may join one; the rest are problems. */
export function planLinks(cfg: StackConfig, resolved: ResolvedService[]): { links: Record<string, string[]>; problems: PlanProblem[] } {
  const links: Record<string, string[]> = {};
  const problems: PlanProblem[] = [];
  const byName = new Map(resolved.map((s) => [s.name, s]));
  for (const [link, { services }] of Object.entries(cfg.links)) {
    const missing = services.filter((s) => !byName.has(s));
    const members = [...new Set(services)].sort();
    // Said here, at the link, rather than by checkPolicy at a service the owner may not even have listed (the proxy).
    const barred = members.map((s) => byName.get(s)).filter((s) => s && NETWORK_POLICY[s.entry.main.role].link === "never");
    if (missing.length) problems.push({ path: `homelab:links.${link}.services`, message: `unknown or disabled service(s): ${missing.join(", ")}` });
    else if (barred.length)
      problems.push({
        path: `homelab:links.${link}.services`,
        message: `${barred.map((s) => `${s!.name} (${s!.entry.main.role})`).join(", ")} may not join a link network`,
      });
    else if (members.length < 2)
      problems.push({ path: `homelab:links.${link}.services`, message: `a link joins at least two different services (got only '${members[0]}')` });
    else links[link] = members;
  }
  return { links, problems };
}

/**
 * Subnets for every service network and link network: pinned, from the allocation lock, or allocated from the
 * pool clear of the shared blocks.
 */
export function allocateSubnets(
  cfg: StackConfig,
  services: ResolvedService[],
  links: Record<string, string[]>,
  ownsNetwork: (s: ResolvedService) => boolean,
  hosts: HostReach = NO_HOSTS,
): AllocationResult {
  const requests: SubnetRequest[] = [
    ...services.filter(ownsNetwork).map((s) => ({
      key: `vnet-${s.name}`,
      // Dozzle's agents on the other hosts join its network (topology/hosts.ts).
      containers: containerSpecs(s).filter((c) => NETWORK_POLICY[c.role].own !== "never").length + (s.catalog === DOZZLE ? hosts.dozzleAgents.length : 0),
      pinned: s.config.subnet,
      path: `homelab:services.${s.name}.subnet`,
    })),
    ...Object.entries(links).map(([link, members]) => ({
      key: `vnet-link-${link}`,
      containers: members.length,
      pinned: cfg.links[link].subnet,
      path: `homelab:links.${link}.subnet`,
    })),
    // One overlay per host whose engine a dashboard elsewhere reads: that host's socket proxy and the readers.
    ...[...hosts.remoteReads].map(([host, readers]) => ({
      key: remoteSocketKey(host),
      containers: 1 + readers.length,
      pinned: undefined,
      path: `homelab:hosts.${host}`,
    })),
  ];
  const reserved: Reserved[] = [
    { cidr: cfg.network.ingress, what: "vnet-ingress", path: "homelab:network.ingress" },
    { cidr: cfg.network.socket, what: "vnet-socket", path: "homelab:network.socket" },
    { cidr: DOCKER_DEFAULT_BRIDGE, what: "Docker's default bridge", path: "" },
    ...(cfg.lan ? [{ cidr: cfg.lan, what: "the LAN (homelab:lan)", path: "homelab:lan" }] : []),
  ];
  return allocateServiceSubnets({ pool: cfg.network.pool, poolPath: "homelab:network.pool", requests, lock: cfg.allocations, reserved });
}

/** The stack's networks, members not yet filled in: vnet-ingress, vnet-socket when used, each service's and link's own. */
export function planNetworks(args: {
  cfg: StackConfig;
  names: Naming;
  services: ResolvedService[];
  links: Record<string, string[]>;
  allocation: AllocationResult;
  ownsNetwork: (s: ResolvedService) => boolean;
  containers: PlannedContainer[];
  hosts?: HostReach;
}): PlannedNetwork[] {
  const { cfg, names, allocation } = args;
  const networks: PlannedNetwork[] = [];
  const addNetwork = (
    name: string,
    kind: PlannedNetwork["kind"],
    subnet: string | undefined,
    origin: PlannedNetwork["origin"],
    service?: string,
    ipRange?: string,
  ) => {
    if (!subnet) return;
    const block = parseBlock(subnet);
    networks.push({
      name,
      kind,
      subnet: formatBlock(block),
      gateway: gatewayOf(block),
      usableHosts: usableHosts(block.prefix),
      service,
      origin,
      members: [],
      ...(ipRange ? { ipRange } : {}),
    });
  };
  // Always the lower half, tunnel or not: turning remote access on later must not replace vnet-ingress.
  addNetwork(names.ingress, "ingress", cfg.network.ingress, "shared", undefined, ingressDynamicRange(cfg.network.ingress));
  if (args.containers.some((c) => c.networks.includes(names.socket))) addNetwork(names.socket, "socket", cfg.network.socket, "shared");
  for (const s of args.services.filter(args.ownsNetwork)) {
    const a = allocation.assignments.get(`vnet-${s.name}`);
    addNetwork(names.serviceNetwork(s.name), "service", a?.subnet, a?.origin ?? "allocated", s.name);
  }
  for (const link of Object.keys(args.links)) {
    const a = allocation.assignments.get(`vnet-link-${link}`);
    addNetwork(names.linkNetwork(link), "link", a?.subnet, a?.origin ?? "allocated", link);
  }
  for (const host of (args.hosts ?? NO_HOSTS).remoteReads.keys()) {
    const a = allocation.assignments.get(remoteSocketKey(host));
    const before = networks.length;
    addNetwork(names.remoteSocket(host), "socket", a?.subnet, a?.origin ?? "allocated");
    if (networks.length > before) networks[before] = { ...networks[before], remoteEngine: host };
  }
  return networks;
}

/** The networks with their members: the containers attached to each, in plan order. */
export function withMembers(networks: PlannedNetwork[], containers: PlannedContainer[]): PlannedNetwork[] {
  const members = new Map(networks.map((n) => [n.name, [] as string[]]));
  for (const c of containers) for (const name of c.networks) members.get(name)?.push(c.name);
  return networks.map((n) => ({ ...n, members: members.get(n.name)! }));
}
