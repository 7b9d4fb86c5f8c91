import { AUTHELIA } from "../config/catalog";
import { validateStackConfig, type StackConfig } from "../config/schema";
import { secretRefsIn } from "../config/secret";
import { allocateServiceSubnets, checkSharedBlock, Reserved, SubnetRequest } from "./allocate";
import { DOCKER_DEFAULT_BRIDGE, formatBlock, gatewayOf, isNetworkAddress, overlaps, parseBlock, usableHosts } from "./cidr";
import { containerSpecs, needsOwnNetwork, planContainers, userEnv } from "./containers";
import { naming } from "./naming";
import { backupService, planBackup } from "./backup";
import { checkPolicy, NETWORK_POLICY, publishProblems } from "./policy";
import { planHostStack } from "./host";
import { planPlexClaim, planWiring } from "./wiring";
import { planRemoteAccess } from "./remoteAccess";
import { ingressDynamicRange, planTls } from "./tls";
import { exposureOf, planRoutes } from "./routes";
import { deprecationWarnings, missingLinks, resolveServices } from "./services";
import type { Plan, PlannedContainer, PlannedNetwork, PlannedSecret, PlannedService, PlanProblem, PlanResult, ResolvedService } from "./types";
import { attachToGateway, routeServices, routeUpstreams } from "./vpn";

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
  const { services: listed, problems: serviceProblems, warnings: serviceWarnings } = resolveServices(cfg);
  problems.push(...serviceProblems);
  if (cfg.backup) listed.push(backupService());
  warnings.push(...serviceWarnings);
  const vpn = routeServices(cfg, listed);
  const services = vpn.services;
  problems.push(...vpn.problems);
  warnings.push(...vpn.warnings);
  // A routed service lives in Gluetun's namespace: it has no network of its own.
  const ownsNetwork = (s: (typeof services)[number]) => needsOwnNetwork(s) && !vpn.routed.has(s.name);

  problems.push(...checkSharedNetworks(cfg));

  const links = planLinks(cfg, services, problems);
  warnings.push(...missingLinks(services, links));
  warnings.push(...deprecationWarnings(services));
  const linksOf = (service: string) =>
    Object.entries(links)
      .filter(([, members]) => members.includes(service))
      .map(([link]) => link);

  // A warning, not an error: a pin can outlive a change that takes the network away, and should not block it.
  for (const s of services.filter((s) => s.config.subnet && !needsOwnNetwork(s))) {
    warnings.push(`homelab:services.${s.name}.subnet: ${s.name} has no network of its own, so the pinned ${s.config.subnet} is not used`);
  }

  const requests: SubnetRequest[] = [
    ...services.filter(ownsNetwork).map((s) => ({
      key: `vnet-${s.name}`,
      containers: containerSpecs(s).filter((c) => NETWORK_POLICY[c.role].own !== "never").length,
      pinned: s.config.subnet,
      path: `homelab:services.${s.name}.subnet`,
    })),
    ...Object.entries(links).map(([link, members]) => ({
      key: `vnet-link-${link}`,
      containers: members.length,
      pinned: cfg.links[link].subnet,
      path: `homelab:links.${link}.subnet`,
    })),
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
  if (containers.some((c) => c.networks.includes(names.socket))) addNetwork(names.socket, "socket", cfg.network.socket, "shared");
  for (const s of services.filter(ownsNetwork)) {
    const a = allocation.assignments.get(`vnet-${s.name}`);
    addNetwork(names.serviceNetwork(s.name), "service", a?.subnet, a?.origin ?? "allocated", s.name);
  }
  for (const link of Object.keys(links)) {
    const a = allocation.assignments.get(`vnet-link-${link}`);
    addNetwork(names.linkNetwork(link), "link", a?.subnet, a?.origin ?? "allocated", link);
  }
  attachToGateway({ cfg, vpn, containers, networks, linksOf, names });
  const backup = planBackup(cfg, containers, networks, names);
  problems.push(...backup.problems);
  const membersOf = new Map(networks.map((n) => [n.name, n.members]));
  for (const c of containers) for (const name of c.networks) membersOf.get(name)?.push(c.name);

  problems.push(
    ...duplicates(
      containers.map((c) => c.name),
      "container",
    ),
    ...duplicates(
      networks.map((n) => n.name),
      "network",
    ),
  );
  problems.push(...publishProblems(services, containers));

  const { routes, problems: routeProblems } = planRoutes(services, cfg, names);
  problems.push(...routeProblems);
  routeUpstreams(routes, vpn.routed, names);
  const wiring = planWiring(services, containers, names, vpn.routed, linksOf);
  warnings.push(...wiring.warnings);
  const plexClaim = planPlexClaim(cfg, containers, names);
  problems.push(...plexClaim.problems);
  const tls = planTls(cfg);
  const host = planHostStack(cfg, services, containers, routes, names, tls, wiring.widgets);
  problems.push(...host.problems);
  const remoteAccess = planRemoteAccess(cfg, services, routes, containers, names, tls);
  problems.push(...remoteAccess.problems);
  warnings.push(...remoteAccess.warnings);

  const plannedServices: PlannedService[] = services.map((s) => ({
    name: s.name,
    catalog: s.catalog,
    implicit: s.implicit,
    network: ownsNetwork(s) ? names.serviceNetwork(s.name) : undefined,
    containers: containerSpecs(s).map((c) => names.container(s.name, c.suffix)),
    port: s.entry.main.port,
    expose: exposureOf(s),
    subdomain: s.config.subdomain ?? s.name,
    auth: s.config.auth ?? s.entry.auth,
    dockerApi: s.entry.dockerApi,
    ...(s.config.publish ? { publish: [...new Set(s.config.publish)].sort((a, b) => a - b) } : {}),
  }));

  const unlocked = networks.filter((n) => n.origin === "allocated");
  if (unlocked.length > 0)
    warnings.push(
      `${unlocked.length} service network(s) are not in the allocation lock (${unlocked.map((n) => n.name).join(", ")}): run \`homelab network pin <stack>\` to keep their subnets stable`,
    );

  const plan: Plan = {
    domain: cfg.domain,
    prefix: cfg.network.prefix,
    proxy: cfg.proxy,
    networks,
    containers,
    services: plannedServices,
    routes,
    tls,
    secrets: [
      ...holdDataKeys(host.secrets, cfg, problems),
      ...wiring.secrets,
      ...plexClaim.secrets,
      ...backup.secrets,
      ...services.flatMap((s) => userEnv(s).secret.map((e) => e.secret)),
    ],
    socketProxy: host.socketProxy,
    authelia: host.authelia,
    warnings,
    ...remoteAccess.remote,
    ...(backup.backup ? { backup: backup.backup } : {}),
  };
  const portal = autheliaReachability(plan, cfg);
  problems.push(...undeclaredSecretRefs(plan), ...hostNameProblems(plan, cfg), ...portal.problems);
  warnings.push(...portal.warnings);
  if (problems.length === 0) problems.push(...checkPolicy(plan));
  return problems.length > 0 ? { ok: false, errors: problems, warnings } : { ok: true, plan, warnings };
}

function checkSharedNetworks(cfg: StackConfig): PlanProblem[] {
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

function planLinks(cfg: StackConfig, resolved: ResolvedService[], problems: PlanProblem[]): Record<string, string[]> {
  const links: Record<string, string[]> = {};
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
  return links;
}

/** Generated secrets that guard data Pulumi does not own: a new value would lock the data away. */
export const guardsData = (name: string) => name === "authelia-storage-encryption-key" || name.endsWith("-db-password");

/**
 * A data-guarding key held in `homelab:keys` replaces the generated one (so it survives destroy + up); one
 * still generated is marked, so the Pulumi layer never replaces it for a change in how it is generated.
 */
export function holdDataKeys(secrets: PlannedSecret[], cfg: StackConfig, problems: PlanProblem[]): PlannedSecret[] {
  const guarded = secrets.filter((s) => s.source === "generated" && guardsData(s.name)).map((s) => s.name);
  for (const name of Object.keys(cfg.keys).filter((k) => !guarded.includes(k)))
    problems.push({ path: `homelab:keys.${name}`, message: `this stack has no data-guarding key of that name (it has: ${guarded.join(", ") || "none"})` });
  return secrets.map((s): PlannedSecret => {
    if (s.source !== "generated" || !guardsData(s.name)) return s;
    const held = cfg.keys[s.name];
    return held ? { name: s.name, source: "config", path: `homelab:keys.${s.name}`, value: held, purpose: s.purpose } : { ...s, guardsData: true };
  });
}

const LOGIN_LEVELS = new Set(["one_factor", "two_factor"]);

/**
 * A route that asks for a login redirects to Authelia's portal: the portal must be served wherever such a
 * route is — on the LAN, and on the tunnel for tunnelled routes Authelia guards (remoteAuth authelia or both).
 * The tunnel case is a warning for now: the shipped home stack has it (its portal is LAN-only).
 */
export function autheliaReachability(plan: Plan, cfg: StackConfig): { problems: PlanProblem[]; warnings: string[] } {
  const none = { problems: [], warnings: [] };
  const needLogin = plan.routes.filter((r) => r.service !== AUTHELIA && LOGIN_LEVELS.has(r.auth));
  if (!needLogin.length) return none;
  const portal = plan.routes.find((r) => r.service === AUTHELIA);
  const path = "homelab:services.authelia.expose";
  const hosts = (routes: typeof needLogin) =>
    `${routes
      .slice(0, 5)
      .map((r) => r.host)
      .join(", ")}${routes.length > 5 ? ` and ${routes.length - 5} more` : ""}`;
  if (!portal)
    return {
      problems: [
        {
          path,
          message: `Authelia's login portal is not served (expose: none), but ${hosts(needLogin)} ask for a login and would redirect to it: expose it, or set those routes' auth to bypass or deny`,
        },
      ],
      warnings: [],
    };
  const remote = needLogin.filter((r) => r.expose === "tunnel" && (cfg.services[r.service]?.remoteAuth ?? "both") !== "access");
  if (remote.length && portal.expose !== "tunnel")
    return {
      problems: [],
      warnings: [
        `${path}: ${hosts(remote)} are reached through the tunnel and guarded by Authelia, whose portal ${portal.host} is only on the LAN: set expose: tunnel for authelia, or remoteAuth: access for them`,
      ],
    };
  return none;
}

/** DNS's limits, for every host the plan serves (routes, the tunnel's public names): 253 characters, 63 per label. */
export function hostNameProblems(plan: Plan, cfg: StackConfig): PlanProblem[] {
  const hosts = [...plan.routes.map((r) => ({ host: r.host, service: r.service })), ...(plan.dns ?? []).map((d) => ({ host: d.name, service: d.service }))];
  const seen = new Set<string>();
  const problems: PlanProblem[] = [];
  for (const { host, service } of hosts) {
    if (seen.has(host)) continue;
    seen.add(host);
    const long = host.split(".").find((label) => label.length > 63);
    if (host.length <= 253 && !long) continue;
    const path = service === AUTHELIA && !cfg.services.authelia?.subdomain ? "homelab:authelia.subdomain" : `homelab:services.${service}.subdomain`;
    problems.push({
      path,
      message: `host ${host.slice(0, 80)}… ${long ? `has a label of ${long.length} characters (DNS allows 63)` : `is ${host.length} characters long (DNS allows 253)`}: shorten the subdomain or homelab:domain`,
    });
  }
  return problems;
}

/** Every secret a generated file refers to must be one the plan declares (bcrypt only of a generated one). */
export function undeclaredSecretRefs(plan: Plan): PlanProblem[] {
  const declared = new Map((plan.secrets ?? []).map((s) => [s.name, s]));
  return plan.containers.flatMap((c) =>
    (c.files ?? []).flatMap((f) =>
      secretRefsIn(f.content)
        .filter((r) => !declared.has(r.name) || (r.form === "bcrypt" && declared.get(r.name)!.source !== "generated"))
        .map((r) => ({
          path: `homelab:services.${c.service}`,
          message: `${c.name}:${f.path} refers to secret '${r.name}' (${r.form}), which the plan does not ${declared.has(r.name) ? "generate" : "declare"}`,
        })),
    ),
  );
}

function duplicates(names: string[], what: string): PlanProblem[] {
  const seen = new Set<string>();
  const dups = new Set(names.filter((n) => seen.has(n) || !seen.add(n)));
  return [...dups].map((n) => ({ path: "homelab:services", message: `two ${what}s would both be named '${n}'` }));
}
