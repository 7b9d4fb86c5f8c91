import { validateStackConfig, type StackConfig } from "../config/schema";
import { allocateServiceSubnets, checkSharedBlock, Reserved, SubnetRequest } from "./allocate";
import { DOCKER_DEFAULT_BRIDGE, formatBlock, gatewayOf, overlaps, parseBlock, usableHosts } from "./cidr";
import { containerSpecs, naming, needsOwnNetwork, planContainers } from "./containers";
import { checkPolicy, NETWORK_POLICY } from "./policy";
import { exposureOf, planRoutes } from "./routes";
import { resolveServices } from "./services";
import type { Plan, PlannedContainer, PlannedNetwork, PlannedService, PlanProblem, PlanResult } from "./types";

/** Config (raw, as Pulumi or the stack file hands it over) → a fully resolved plan, or every problem at once. */
export function buildPlan(raw: unknown): PlanResult {
  const validated = validateStackConfig(raw);
  if (!validated.ok) return { ok: false, errors: validated.errors, warnings: [] };
  return planFromConfig(validated.value);
}

export function planFromConfig(cfg: StackConfig): PlanResult {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const names = naming(cfg.network.prefix);
  const { services, problems: serviceProblems } = resolveServices(cfg);
  problems.push(...serviceProblems);

  problems.push(...checkSharedNetworks(cfg));

  const links = planLinks(cfg, services.map((s) => s.name), problems);
  const linksOf = (service: string) => Object.entries(links).filter(([, members]) => members.includes(service)).map(([link]) => link);

  const requests: SubnetRequest[] = [
    ...services.filter(needsOwnNetwork).map((s) => ({
      key: `vnet-${s.name}`,
      containers: containerSpecs(s).filter((c) => NETWORK_POLICY[c.role].own !== "never").length,
      pinned: s.config.subnet,
      path: `homelab:services.${s.name}.subnet`,
    })),
    ...Object.entries(links).map(([link, members]) => ({ key: `vnet-link-${link}`, containers: members.length, pinned: cfg.links[link].subnet, path: `homelab:links.${link}.subnet` })),
  ];
  const reserved: Reserved[] = [
    { cidr: cfg.network.ingress, what: "vnet-ingress", path: "homelab:network.ingress" },
    { cidr: cfg.network.socket, what: "vnet-socket", path: "homelab:network.socket" },
    { cidr: DOCKER_DEFAULT_BRIDGE, what: "Docker's default bridge", path: "" },
    ...(cfg.lan ? [{ cidr: cfg.lan, what: "the LAN (homelab:lan)", path: "homelab:lan" }] : []),
  ];
  const allocation = allocateServiceSubnets({ pool: cfg.network.pool, poolPath: "homelab:network.pool", requests, lock: cfg.allocations, reserved });
  problems.push(...allocation.problems);
  warnings.push(...allocation.warnings);

  const containers: PlannedContainer[] = services.flatMap((s) => planContainers(s, cfg, names, linksOf(s.name)));
  const networks: PlannedNetwork[] = [];
  const addNetwork = (name: string, kind: PlannedNetwork["kind"], subnet: string | undefined, origin: PlannedNetwork["origin"], service?: string) => {
    if (!subnet) return;
    const block = parseBlock(subnet);
    networks.push({ name, kind, subnet: formatBlock(block), gateway: gatewayOf(block), usableHosts: usableHosts(block.prefix), service, origin, members: [] });
  };
  addNetwork(names.ingress, "ingress", cfg.network.ingress, "shared");
  if (containers.some((c) => c.networks.includes(names.socket))) addNetwork(names.socket, "socket", cfg.network.socket, "shared");
  for (const s of services.filter(needsOwnNetwork)) {
    const a = allocation.assignments.get(`vnet-${s.name}`);
    addNetwork(names.serviceNetwork(s.name), "service", a?.subnet, a?.origin ?? "allocated", s.name);
  }
  for (const link of Object.keys(links)) {
    const a = allocation.assignments.get(`vnet-link-${link}`);
    addNetwork(names.linkNetwork(link), "link", a?.subnet, a?.origin ?? "allocated", link);
  }
  for (const n of networks) n.members = containers.filter((c) => c.networks.includes(n.name)).map((c) => c.name);

  problems.push(...duplicates(containers.map((c) => c.name), "container"), ...duplicates(networks.map((n) => n.name), "network"));

  const { routes, problems: routeProblems } = planRoutes(services, cfg, names);
  problems.push(...routeProblems);

  const plannedServices: PlannedService[] = services.map((s) => ({
    name: s.name,
    catalog: s.catalog,
    implicit: s.implicit,
    network: needsOwnNetwork(s) ? names.serviceNetwork(s.name) : undefined,
    containers: containerSpecs(s).map((c) => names.container(s.name, c.suffix)),
    port: s.entry.main.port,
    expose: exposureOf(s),
    subdomain: s.config.subdomain ?? s.name,
    auth: s.config.auth ?? s.entry.auth,
    dockerApi: s.entry.dockerApi,
  }));

  const unlocked = networks.filter((n) => n.origin === "allocated");
  if (unlocked.length > 0) warnings.push(`${unlocked.length} service network(s) are not in the allocation lock (${unlocked.map((n) => n.name).join(", ")}): run \`homelab network pin <stack>\` to keep their subnets stable`);

  const plan: Plan = { domain: cfg.domain, prefix: cfg.network.prefix, proxy: cfg.proxy, networks, containers, services: plannedServices, routes, warnings };
  if (problems.length === 0) problems.push(...checkPolicy(plan));
  return problems.length > 0 ? { ok: false, errors: problems, warnings } : { ok: true, plan, warnings };
}

function checkSharedNetworks(cfg: StackConfig): PlanProblem[] {
  const problems = [
    ...checkSharedBlock(cfg.network.ingress, "homelab:network.ingress", "vnet-ingress", 24),
    ...checkSharedBlock(cfg.network.socket, "homelab:network.socket", "vnet-socket", 24),
    ...checkSharedBlock(cfg.network.pool, "homelab:network.pool", "the pool"),
  ];
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

function planLinks(cfg: StackConfig, serviceNames: string[], problems: PlanProblem[]): Record<string, string[]> {
  const links: Record<string, string[]> = {};
  for (const [link, { services }] of Object.entries(cfg.links)) {
    const missing = services.filter((s) => !serviceNames.includes(s));
    if (missing.length) problems.push({ path: `homelab:links.${link}.services`, message: `unknown or disabled service(s): ${missing.join(", ")}` });
    else links[link] = [...new Set(services)].sort();
  }
  return links;
}

function duplicates(names: string[], what: string): PlanProblem[] {
  const seen = new Set<string>();
  const dups = new Set(names.filter((n) => seen.has(n) || !seen.add(n)));
  return [...dups].map((n) => ({ path: "homelab:services", message: `two ${what}s would both be named '${n}'` }));
}
