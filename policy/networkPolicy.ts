/**
 * The network policy, written once. The planner (topology/policy.ts), the CrossGuard pack (policy/rules.ts),
 * the audit of a live engine (topology/audit.ts) and the diagram (topology/diagram.ts) all judge containers
 * with `judgeContainer`; each only translates what it sees (a plan, registered resource inputs, `docker ps`)
 * into a `ContainerView`. Free of imports on purpose: the pack runs on its own (`--policy-pack policy`).
 *
 * Adding a role (like the backup agent) is one row in NETWORK_POLICY: every consumer follows.
 */

/** What a container is for; the policy is written in these terms. */
export const ROLES = ["web", "database", "cache", "monitoring", "socket-proxy", "proxy", "auth", "ips", "vpn-gateway", "tunnel", "worker", "backup"] as const;
export type Role = (typeof ROLES)[number];

export const NETWORK_KINDS = ["ingress", "socket", "service", "link"] as const;
export type NetworkKind = (typeof NETWORK_KINDS)[number];

/** Whether a route (a host name on the reverse proxy) may lead to it, and from where. */
export const EXPOSURES = ["none", "lan", "tunnel"] as const;
export type Exposure = (typeof EXPOSURES)[number];

/**
 *   always         — must be on it
 *   never          — must not be on it
 *   if-docker-api  — on it exactly when the container reads the Docker API (through the socket proxy)
 *   optional       — only when the owner asks (link networks)
 */
export type Allowance = "always" | "never" | "if-docker-api" | "optional";

export interface RolePolicy {
  ingress: Allowance;
  /** Its own service's `vnet-<service>`. Nobody ever joins *another* service's network. */
  own: Allowance;
  socket: Allowance;
  link: Allowance;
  /** May a route lead to it? Never to the socket proxy (the Docker API), the CrowdSec LAPI, databases or caches. */
  route: boolean;
  /** May it publish host ports (beyond the ones the owner lists in `publish`, which any role may)? */
  hostPorts: boolean;
  /**
   * The one exception to "nobody joins another service's network": it may join the own network of a service
   * that keeps a database, to dump it over that network (the backup agent's pg_dump, docs/backups.md).
   */
  reachesDatabases: boolean;
}

export const NETWORK_POLICY: Record<Role, RolePolicy> = {
  web: { ingress: "always", own: "always", socket: "never", link: "optional", route: true, hostPorts: false, reachesDatabases: false },
  monitoring: { ingress: "always", own: "always", socket: "if-docker-api", link: "optional", route: true, hostPorts: false, reachesDatabases: false },
  worker: { ingress: "never", own: "always", socket: "if-docker-api", link: "optional", route: true, hostPorts: false, reachesDatabases: false },
  database: { ingress: "never", own: "always", socket: "never", link: "never", route: false, hostPorts: false, reachesDatabases: false },
  cache: { ingress: "never", own: "always", socket: "never", link: "never", route: false, hostPorts: false, reachesDatabases: false },
  "socket-proxy": { ingress: "never", own: "never", socket: "always", link: "never", route: false, hostPorts: false, reachesDatabases: false },
  proxy: { ingress: "always", own: "always", socket: "if-docker-api", link: "never", route: true, hostPorts: true, reachesDatabases: false },
  auth: { ingress: "always", own: "always", socket: "never", link: "never", route: true, hostPorts: false, reachesDatabases: false },
  ips: { ingress: "always", own: "always", socket: "never", link: "never", route: false, hostPorts: false, reachesDatabases: false },
  "vpn-gateway": { ingress: "always", own: "always", socket: "never", link: "optional", route: false, hostPorts: true, reachesDatabases: false },
  tunnel: { ingress: "always", own: "never", socket: "never", link: "never", route: false, hostPorts: false, reachesDatabases: false },
  backup: { ingress: "never", own: "always", socket: "never", link: "never", route: false, hostPorts: false, reachesDatabases: true },
};

export const isRole = (role: unknown): role is Role => typeof role === "string" && (ROLES as readonly string[]).includes(role);

export function joins(allowance: Allowance, dockerApi: boolean): boolean {
  return allowance === "always" || (allowance === "if-docker-api" && dockerApi);
}

/** A role in words, for messages. */
export const roleWords = (role: Role) => role.replace("vpn", "VPN").replace("-", " ");
/** Roles that may publish host ports (the proxy and the VPN gateway: Gluetun's optional HTTP proxy and Shadowsocks server). */
export const HOST_PORT_ROLES = ROLES.filter((r) => NETWORK_POLICY[r].hostPorts);
export const ROUTABLE_ROLES = ROLES.filter((r) => NETWORK_POLICY[r].route);

export const DOCKER_SOCKET = "/var/run/docker.sock";
export const DOCKER_SOCKETS = [DOCKER_SOCKET, "/run/docker.sock"];

/** `//var/run/` → `/var/run`. */
export function normalizeHostPath(source: string): string {
  return source.replace(/\/+/g, "/").replace(/(?<=.)\/$/, "");
}

/** True when binding `source` puts a Docker socket in the container: the socket itself or any folder above it (`/run` is where `/var/run` points). */
export function exposesDockerSocket(source: unknown): boolean {
  if (typeof source !== "string" || !source.startsWith("/")) return false;
  const p = normalizeHostPath(source);
  return DOCKER_SOCKETS.some((socket) => socket === p || socket.startsWith(p === "/" ? "/" : `${p}/`));
}

/** Labels every container and network carries: the facts the pack and the audit judge by. */
export const LABELS = {
  service: "homelab.service",
  role: "homelab.role",
  /** `read` or `write` on the container that calls the Docker API through the socket proxy. */
  dockerApi: "homelab.docker-api",
  /** `lan` or `tunnel` on the container a route leads to. */
  expose: "homelab.expose",
  networkKind: "homelab.network-kind",
  /** The host ports the owner asked for (`homelab:services.<name>.publish`), comma-separated: allowed on any role. */
  published: "homelab.published",
} as const;

/** One network a container is attached to; `kind` undefined when it is not one of the stack's networks. */
export interface NetworkView {
  name: string;
  kind?: string;
  /** Owner of a service network (the service), or the link's name. */
  owner?: string;
  /** A service network whose service keeps a database (a role with `reachesDatabases` may join it). */
  ownerHasDatabase?: boolean;
}

export interface MountView {
  source: string;
  target: string;
  readOnly: boolean;
  /** False for named volumes: their source is a volume name, not a host path. */
  bind: boolean;
}

const SHARED_NAMESPACE = "container:";

/** Docker's `container:<name or id>` network mode → the name or id; undefined for any other mode. */
export function sharedNamespaceOwner(networkMode: string | undefined): string | undefined {
  return networkMode?.startsWith(SHARED_NAMESPACE) ? networkMode.slice(SHARED_NAMESPACE.length) : undefined;
}

/** The network mode that puts a container in `owner`'s namespace (`owner` a container's name or id). */
export function sharedNamespaceMode(owner: string): string {
  return `${SHARED_NAMESPACE}${owner}`;
}

/** A container as every consumer can describe it. */
export interface ContainerView {
  name: string;
  role?: string;
  service?: string;
  dockerApi: boolean;
  /** `container:<x>`: it lives in another container's namespace. */
  sharedNamespace?: string;
  /** `host`: the host's own network stack. */
  hostNetwork?: boolean;
  networks: NetworkView[];
  hostPorts: number[];
  /** Host ports the owner asked for with `publish`: allowed whatever the role. */
  published?: number[];
  /** Sets a hostname of its own (meaningless, and refused by Docker, in a shared namespace). */
  hostname?: boolean;
  mounts: MountView[];
  /** How far a route to it reaches, when one does. */
  expose?: Exposure;
}

export const RULES = ["labels", "docker-socket", "host-ports", "shared-namespace", "own-networks", "foreign-network", "membership", "route"] as const;
export type RuleName = (typeof RULES)[number];

export interface Violation {
  rule: RuleName;
  message: string;
}

const KIND_LABEL: Record<"ingress" | "own" | "socket" | "link", string> = {
  ingress: "vnet-ingress",
  own: "its own service network",
  socket: "vnet-socket",
  link: "a link network",
};

/** Every way a container breaks the policy, each as a rule name and a message naming the container. */
export function judgeContainer(c: ContainerView): Violation[] {
  const out: Violation[] = [];
  const who = `${c.name} (${c.role ?? "no role"})`;
  const fail = (rule: RuleName, message: string) => out.push({ rule, message: `${who} ${message}` });
  const role = isRole(c.role) ? c.role : undefined;

  if (!role) fail("labels", `has no known '${LABELS.role}' label: the network policy cannot be checked for it`);
  if (!c.service) fail("labels", `has no '${LABELS.service}' label: the network policy cannot be checked for it`);

  for (const m of c.mounts) {
    if (!((m.bind && exposesDockerSocket(m.source)) || DOCKER_SOCKETS.includes(m.target))) continue;
    if (role !== "socket-proxy") fail("docker-socket", `mounts ${m.source} (the Docker socket): only the socket proxy may`);
    else if (!m.readOnly) fail("docker-socket", "mounts the Docker socket read-write: it must be read-only");
  }
  const unasked = c.hostPorts.filter((p) => !(c.published ?? []).includes(p));
  if (unasked.length && !(role && NETWORK_POLICY[role].hostPorts))
    fail(
      "host-ports",
      `publishes host port(s) ${unasked.join(", ")}: only the ${HOST_PORT_ROLES.map(roleWords).join(" and the ")} may, or ports the owner lists in publish`,
    );
  if (c.expose && c.expose !== "none" && !(role && NETWORK_POLICY[role].route))
    fail("route", `has a route (${c.expose}): a ${c.role ?? "container without a role"} is never routed to (only ${ROUTABLE_ROLES.join(", ")} are)`);

  if (c.sharedNamespace) {
    if (c.networks.length)
      fail("shared-namespace", `shares ${c.sharedNamespace} and must not join networks of its own (${c.networks.map((n) => n.name).join(", ")})`);
    if (c.hostPorts.length) fail("shared-namespace", `shares ${c.sharedNamespace} and cannot publish ports`);
    if (c.hostname) fail("shared-namespace", `shares ${c.sharedNamespace} and cannot set a hostname`);
    return out;
  }
  if (c.hostNetwork) {
    fail("own-networks", "uses the host's network stack: it must live on the stack's own networks");
    return out;
  }
  if (c.networks.length === 0)
    fail("own-networks", "joins none of the stack's networks, so it would sit on Docker's default bridge with every other such container");

  const on: Record<keyof typeof KIND_LABEL, string[]> = { ingress: [], own: [], socket: [], link: [] };
  for (const n of c.networks) {
    if (!n.kind || !(NETWORK_KINDS as readonly string[]).includes(n.kind)) fail("foreign-network", `joins ${n.name}, which is not a network of this stack`);
    else if (n.kind === "service") {
      if (n.owner !== c.service && role && NETWORK_POLICY[role].reachesDatabases && n.ownerHasDatabase) continue;
      if (n.owner !== c.service)
        fail(
          "foreign-network",
          `joins ${n.name}, the network of ${n.owner ? `service '${n.owner}'` : "an unnamed service"}: nobody joins another service's network`,
        );
      else on.own.push(n.name);
    } else on[n.kind as "ingress" | "socket" | "link"].push(n.name);
  }
  if (!role) return out;
  const rule = NETWORK_POLICY[role];
  for (const kind of ["ingress", "own", "socket", "link"] as const) {
    const allowance = rule[kind];
    const joined = on[kind].length > 0;
    const where = `${KIND_LABEL[kind]}${joined && on[kind][0] !== KIND_LABEL[kind] ? ` (${on[kind].join(", ")})` : ""}`;
    if (joined && allowance === "never") fail("membership", `must never be on ${where}`);
    if (joined && allowance === "if-docker-api" && !c.dockerApi) fail("membership", `is on ${where} but does not use the Docker API`);
    if (!joined && joins(allowance, c.dockerApi)) fail("membership", `must be on ${where}`);
  }
  return out;
}

/** Reads `homelab.*` labels into the parts of a view they decide. */
export function viewFromLabels(labels: Record<string, string>): Pick<ContainerView, "role" | "service" | "dockerApi" | "expose" | "published"> {
  const expose = labels[LABELS.expose];
  const published = String(labels[LABELS.published] ?? "")
    .split(",")
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  return {
    published,
    role: labels[LABELS.role] || undefined,
    service: labels[LABELS.service] || undefined,
    dockerApi: labels[LABELS.dockerApi] === "read" || labels[LABELS.dockerApi] === "write",
    expose: expose === "lan" || expose === "tunnel" ? expose : undefined,
  };
}

/**
 * Settings the owner's config may not override, per role of the service's main container: each would
 * undo a guarantee above. The socket proxy's rules come only from `homelab:socketProxy` (allowWrite);
 * Gluetun's control server stays on loopback and its DNS on DNS-over-TLS; a Docker API client talks only
 * to the socket proxy; Traefik, Authelia and cloudflared read their whole configuration from env too.
 */
export const PROTECTED_ENV: Partial<Record<Role, { pattern: RegExp; why: string }>> = {
  "socket-proxy": { pattern: /^/, why: "the socket proxy's settings come only from homelab:socketProxy (allowWrite)" },
  "vpn-gateway": {
    pattern: /^(HTTP_CONTROL_SERVER_|DNS_|DOT|FIREWALL|VPN_|WIREGUARD_|OPENVPN_|HTTPPROXY|SHADOWSOCKS|PUBLICIP_|HEALTH_)/,
    why: "Gluetun's control server, DNS, firewall and VPN settings come only from homelab:vpn and homelab:vpnCredentials",
  },
  proxy: {
    pattern: /^(TRAEFIK_|CROWDSEC_|DNSPLUGIN|VALIDATION|URL$|SUBDOMAINS|ONLY_SUBDOMAINS|EXTRA_DOMAINS|STAGING|EMAIL)/,
    why: "the reverse proxy's configuration is generated from the plan",
  },
  auth: { pattern: /^AUTHELIA_/, why: "Authelia's configuration is generated from homelab:authelia" },
  tunnel: { pattern: /^TUNNEL_/, why: "cloudflared's settings come only from homelab:cloudflare" },
  ips: { pattern: /^(BOUNCER_KEY_|DISABLE_|LOCAL_API_URL|AGENT_)/, why: "CrowdSec's settings come only from homelab:crowdsec" },
};
/** Env no Docker API client may set: its only way to the engine is the socket proxy. */
export const DOCKER_CLIENT_ENV = /^DOCKER_(HOST|TLS_VERIFY|CERT_PATH|CONTEXT|CONFIG)$/;

/** Why the config may not set `key` in the env of a service whose main container has `role`, or undefined when it may. */
export function protectedEnvReason(role: Role, dockerApi: boolean, key: string): string | undefined {
  if (DOCKER_CLIENT_ENV.test(key) && (dockerApi || role === "socket-proxy"))
    return `${key} is set by the stack: a Docker API client reaches the engine only through the socket proxy`;
  const rule = PROTECTED_ENV[role];
  return rule?.pattern.test(key) ? `${key} is security-relevant and cannot be set here: ${rule.why}` : undefined;
}
