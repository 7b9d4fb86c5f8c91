import { validateStackConfig, type StackConfig } from "../config/schema";
import { backupService, planBackup } from "./backup";
import { autheliaReachability, duplicates, hostNameProblems, undeclaredSecretRefs } from "./checks";
import { containerSpecs, needsOwnNetwork, planContainers, userEnv } from "./containers";
import { planDdns } from "./ddns";
import { ADMIN_PASSWORD_SUFFIX, dataKeySuffixes, planHostStack, traefikDashboardRoute } from "./host";
import { hostReach } from "./placement";
import { placeOnHosts } from "./hosts";
import { planRouteMiddlewares } from "./middlewares";
import { naming } from "./naming";
import { allocateSubnets, checkSharedNetworks, planLinks, planNetworks, withMembers } from "./networks";
import { applyPatches } from "./patch";
import { checkPolicy, publishProblems } from "./policy";
import { planRemoteAccess } from "./remoteAccess";
import { exposureOf, planRoutes } from "./routes";
import { deprecationWarnings, missingLinks, resolveServices } from "./services";
import { planTls } from "./tls";
import { CROWDSEC, type Role } from "../config/catalog";
import type {
  Plan,
  PlannedContainer,
  PlannedNetwork,
  PlannedSecret,
  PlannedService,
  PlanProblem,
  PlanResult,
  ResolvedService,
  ServiceComponent,
} from "./types";
import { attachToGateway, routeServices, routeUpstreams } from "./vpn";
import { planPlex, planWiring } from "./wiring";

/** Config (raw, as Pulumi or the stack file hands it over) → a fully resolved plan, or every problem at once. */
export function buildPlan(raw: unknown): PlanResult {
  const validated = validateStackConfig(raw);
  if (!validated.ok) return { ok: false, errors: validated.errors, warnings: [] };
  return planFromConfig(validated.value);
}

/** The services a component other than `ServiceStack` creates, by the role of their main container. */
const COMPONENT_OF_ROLE: Partial<Record<Role, ServiceComponent>> = { "vpn-gateway": "vpn-gateway", tunnel: "remote-access" };

/**
 * The planner, top to bottom. Each step returns its own slice (services, networks, containers, routes, patches
 * for containers another step planned, secrets, problems, warnings) and reads only what earlier steps returned;
 * nothing here or in a step changes another step's output.
 */
export function planFromConfig(cfg: StackConfig): PlanResult {
  const names = naming(cfg.network.prefix);

  // 1. Services: the owner's list, what the stack needs, the backup agent, and Gluetun for what the VPN routes.
  const resolved = resolveServices(cfg);
  const vpn = routeServices(cfg, cfg.backup ? [...resolved.services, backupService()] : resolved.services);
  const services = vpn.services;
  // A routed service lives in Gluetun's namespace: it has no network of its own.
  const ownsNetwork = (s: ResolvedService) => needsOwnNetwork(s) && !vpn.routed.has(s.name);

  // 2. Networks: links, subnets, and the networks themselves.
  const shared = checkSharedNetworks(cfg);
  const { links, problems: linkProblems } = planLinks(cfg, services);
  const linksOf = (service: string) =>
    Object.entries(links)
      .filter(([, members]) => members.includes(service))
      .map(([link]) => link);
  // Several hosts: where each service runs, whose engine dashboards on other hosts read, where Dozzle needs agents.
  const reach = hostReach(
    cfg,
    services.map((s) => ({ name: s.name, catalog: s.catalog, dockerApi: s.entry.dockerApi })),
    vpn.routed,
  );
  const allocation = allocateSubnets(cfg, services, links, ownsNetwork, reach);

  // 3. Containers: each service's own, routed ones moved into Gluetun's namespace, the backup agent wired up.
  const own = services.flatMap((s) => planContainers(s, cfg, names, linksOf(s.name)));
  const unattached = planNetworks({ cfg, names, services, links, allocation, ownsNetwork, containers: own, hosts: reach });
  const attached = attachToGateway({ cfg, vpn, containers: own, networks: unattached, linksOf, names });
  const backup = planBackup(cfg, attached, unattached, names);
  const placed = replaced(attached, backup.containers);
  const networks = withMembers(unattached, placed);

  // 4. Routes: one per exposed service (through Gluetun when routed), and Traefik's own dashboard.
  const serviceRoutes = planRoutes(services, cfg, names);
  const dashboard = traefikDashboardRoute(cfg, serviceRoutes.routes);
  // Each route's middleware chain (secure headers, LAN-only, rate limit, compression, AppSec).
  const chains = planRouteMiddlewares(
    cfg,
    [...routeUpstreams(serviceRoutes.routes, vpn.routed, names), ...dashboard.routes],
    services.some((s) => s.name === CROWDSEC),
  );
  const routes = chains.routes;

  // 5. What the host stack, the wiring, remote access and DNS updates add to containers they do not own.
  const wiring = planWiring(services, placed, names, vpn.routed, linksOf);
  const plex = planPlex(cfg, placed, names);
  const tls = planTls(cfg);
  const host = planHostStack(cfg, services, placed, routes, names, tls, wiring.widgets, reach);
  const remoteAccess = planRemoteAccess(cfg, services, routes, names, tls);
  const ddns = planDdns(cfg, placed, names, remoteAccess.remote.dns);
  const containers = applyPatches(placed, [...wiring.patches, ...plex.patches, ...host.patches, ...remoteAccess.patches, ...ddns.patches]);

  // 6. Secrets, then the plan and every check of it.
  const keyProblems: PlanProblem[] = [];
  const keyWarnings: string[] = [];
  const secrets: PlannedSecret[] = [
    ...holdDataKeys(host.secrets, cfg, keyProblems, keyWarnings),
    ...wiring.secrets,
    ...plex.secrets,
    ...ddns.secrets,
    ...backup.secrets,
    ...services.flatMap((s) => userEnv(s).secret.map((e) => e.secret)),
  ];
  const warnings = [
    ...resolved.warnings,
    ...vpn.warnings,
    ...missingLinks(services, links),
    ...deprecationWarnings(services),
    ...unusedPins(services),
    ...allocation.warnings,
    ...wiring.warnings,
    ...remoteAccess.warnings,
    ...ddns.warnings,
    ...unlockedNetworks(networks),
    ...keyWarnings,
  ];
  const draft: Plan = {
    domain: cfg.domain,
    prefix: cfg.network.prefix,
    proxy: cfg.proxy,
    networks,
    containers,
    services: services.map((s) => plannedService(s, names, ownsNetwork(s))),
    routes,
    tls,
    secrets,
    socketProxy: host.socketProxy,
    authelia: host.authelia,
    warnings,
    ...remoteAccess.remote,
    ...(backup.backup ? { backup: backup.backup } : {}),
    ...(plex.plex ? { plex: plex.plex } : {}),
  };
  // 7. Several hosts: where each container and network lives.
  const onHosts = placeOnHosts(draft, cfg, reach);
  const plan = onHosts.plan;
  const portal = autheliaReachability(plan, cfg);
  warnings.push(...portal.warnings);
  const problems = [
    ...resolved.problems,
    ...vpn.problems,
    ...chains.problems,
    ...shared,
    ...linkProblems,
    ...allocation.problems,
    ...backup.problems,
    ...duplicates(
      containers.map((c) => c.name),
      "container",
    ),
    ...duplicates(
      networks.map((n) => n.name),
      "network",
    ),
    ...publishProblems(services, containers),
    ...serviceRoutes.problems,
    ...plex.problems,
    ...dashboard.problems,
    ...host.problems,
    ...remoteAccess.problems,
    ...ddns.problems,
    ...keyProblems,
    ...onHosts.problems,
    ...undeclaredSecretRefs(plan),
    ...hostNameProblems(plan, cfg),
    ...portal.problems,
  ];
  if (problems.length === 0) problems.push(...checkPolicy(plan));
  return problems.length > 0 ? { ok: false, errors: problems, warnings } : { ok: true, plan, warnings };
}

/** The containers, each replaced by the one of the same name in `replacements` when there is one. */
function replaced(containers: PlannedContainer[], replacements: PlannedContainer[]): PlannedContainer[] {
  const byName = new Map(replacements.map((c) => [c.name, c]));
  return containers.map((c) => byName.get(c.name) ?? c);
}

function plannedService(s: ResolvedService, names: ReturnType<typeof naming>, ownsNetwork: boolean): PlannedService {
  return {
    name: s.name,
    component: COMPONENT_OF_ROLE[s.entry.main.role] ?? "service",
    catalog: s.catalog,
    implicit: s.implicit,
    network: ownsNetwork ? names.serviceNetwork(s.name) : undefined,
    containers: containerSpecs(s).map((c) => names.container(s.name, c.suffix)),
    port: s.entry.main.port,
    expose: exposureOf(s),
    subdomain: s.config.subdomain ?? s.name,
    auth: s.config.auth ?? s.entry.auth,
    dockerApi: s.entry.dockerApi,
    ...(s.config.publish ? { publish: [...new Set(s.config.publish)].sort((a, b) => a - b) } : {}),
  };
}

/** A warning, not an error: a pin can outlive a change that takes the network away, and should not block it. */
function unusedPins(services: ResolvedService[]): string[] {
  return services
    .filter((s) => s.config.subnet && !needsOwnNetwork(s))
    .map((s) => `homelab:services.${s.name}.subnet: ${s.name} has no network of its own, so the pinned ${s.config.subnet} is not used`);
}

function unlockedNetworks(networks: PlannedNetwork[]): string[] {
  const unlocked = networks.filter((n) => n.origin === "allocated");
  return unlocked.length > 0
    ? [
        `${unlocked.length} service network(s) are not in the allocation lock (${unlocked.map((n) => n.name).join(", ")}): run \`homelab network pin <stack>\` to keep their subnets stable`,
      ]
    : [];
}

/** Generated secrets that guard data Pulumi does not own: a new value would lock the data away. */
const guardsData = (name: string) => name === "authelia-storage-encryption-key" || name.endsWith("-db-password");
/** Those, and the ones marked where they are made (an app's first admin password, topology/host.ts). */
const guarding = (s: PlannedSecret) => s.source === "generated" && (s.guardsData || guardsData(s.name));
/** A held key no service uses any more: kept (with a warning) if its name says it guarded data. */
const guardedOnce = (name: string) => guardsData(name) || [ADMIN_PASSWORD_SUFFIX, ...dataKeySuffixes()].some((suffix) => name.endsWith(suffix));

/**
 * A data-guarding key held in `homelab:keys` replaces the generated one (so it survives destroy + up; `homelab up`
 * stores every generated one there, cli/operate/dataKeys.ts); one still generated is marked, so the Pulumi layer
 * never replaces it for a change in how it is generated, and exports it for `homelab up` to hold.
 */
function holdDataKeys(secrets: PlannedSecret[], cfg: StackConfig, problems: PlanProblem[], warnings: string[] = []): PlannedSecret[] {
  const guarded = secrets.filter(guarding).map((s) => s.name);
  for (const name of Object.keys(cfg.keys).filter((k) => !guarded.includes(k))) {
    // `up` held it for a service since removed: its data may still be on disk, so it is kept, not refused.
    if (guardedOnce(name))
      warnings.push(
        `homelab:keys.${name}: no service of this stack uses this key any more; it stays held for the data it guards (pulumi config rm --path 'homelab:keys.${name}' once that data is gone)`,
      );
    else problems.push({ path: `homelab:keys.${name}`, message: `this stack has no data-guarding key of that name (it has: ${guarded.join(", ") || "none"})` });
  }
  return secrets.map((s): PlannedSecret => {
    if (s.source !== "generated" || !guarding(s)) return s;
    const held = cfg.keys[s.name];
    if (!held) return { ...s, guardsData: true };
    return {
      name: s.name,
      source: "config",
      path: `homelab:keys.${s.name}`,
      value: held,
      purpose: s.purpose,
      heldFrom: { length: s.length, format: s.format },
    };
  });
}
