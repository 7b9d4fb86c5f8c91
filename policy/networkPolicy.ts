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
/**
 * The one image trusted with the Docker socket: the socket proxy, pinned (hectorm/cetusguard@v1.1.3, evidence in
 * config/catalog/core.ts). The catalog takes it from here, so the planner and the CrossGuard pack judge the same image.
 */
export const SOCKET_PROXY_IMAGE = "ghcr.io/hectorm/cetusguard:v1.1.3";
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
  /** Its environment (secret values may be masked): judged against PROTECTED_ENV's values. Undefined: not seen (the audit). */
  env?: Record<string, string>;
  /** Names of the stack's socket-proxy containers, the only place DOCKER_HOST may point to. */
  socketProxies?: string[];
}

export const RULES = [
  "labels",
  "docker-socket",
  "host-ports",
  "shared-namespace",
  "own-networks",
  "foreign-network",
  "membership",
  "route",
  "protected-env",
] as const;
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

  for (const message of protectedEnvViolations(c, role)) fail("protected-env", message);

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

/** A protected setting as the container finally gets it: `ok` says whether the value is one the stack guarantees. */
export interface ProtectedValue {
  key: RegExp;
  ok: (value: string) => boolean;
  /** What the stack guarantees, for the message (never the value found: it may be a secret). */
  must: string;
}

const never = () => false;
const loopback = (v: string) => /^(127\.0\.0\.1|\[::1\]|localhost):\d+$/.test(v);

/** Where cetusguard reads its rules (a generated file, topology/socketProxy.ts); hectorm/cetusguard cmd/cetusguard/main.go @v1.1.3 `-rules-file`. */
export const SOCKET_PROXY_RULES_FILE = "/etc/cetusguard/rules.list";

/**
 * Settings the owner's config may not override, per role of the service's main container: each would
 * undo a guarantee above. `pattern`: env keys the config may not set at all (the planner, at the key path).
 * `values`: what the container finally runs with, judged the same way by the planner on the plan and by
 * the CrossGuard pack on the registered inputs (so a transform or a hand-written container cannot undo it):
 * the socket proxy talks to the engine only through the read-only socket and takes its rules only from the
 * generated file; Gluetun's control server stays on loopback, its DNS encrypted, no inbound port opened;
 * cloudflared's metrics stay on loopback and nothing but its token and metrics is set (another TUNNEL_*
 * setting would repoint the tunnel); the backup agent's restic password is the plan's secret
 * (RESTIC_PASSWORD), never a file or a command. (Its repository is homelab:backup's: the planner refuses
 * any other RESTIC_* key; the pack, which never sees the config, cannot tell one repository from another.)
 */
export const PROTECTED_ENV: Partial<Record<Role, { pattern: RegExp; why: string; values?: ProtectedValue[] }>> = {
  "socket-proxy": {
    pattern: /^/,
    why: "the socket proxy's settings come only from homelab:socketProxy (allowWrite)",
    values: [
      { key: /^CETUSGUARD_BACKEND_ADDR$/, ok: (v) => v === `unix://${DOCKER_SOCKET}`, must: "the engine only through the read-only socket mount" },
      { key: /^CETUSGUARD_RULES_FILE$/, ok: (v) => v === SOCKET_PROXY_RULES_FILE, must: `its rules only from ${SOCKET_PROXY_RULES_FILE}` },
      { key: /^CETUSGUARD_RULES$/, ok: never, must: "its rules only from the generated rules file (homelab:socketProxy)" },
    ],
  },
  "vpn-gateway": {
    pattern: /^(HTTP_CONTROL_SERVER_|DNS_|DOT|FIREWALL|VPN_|WIREGUARD_|OPENVPN_|HTTPPROXY|SHADOWSOCKS|PUBLICIP_|HEALTH_)/,
    why: "Gluetun's control server, DNS, firewall and VPN settings come only from homelab:vpn and homelab:vpnCredentials",
    // qdm12/gluetun internal/configuration/sources/env (v3.41.1): HTTP_CONTROL_SERVER_ADDRESS, DNS_UPSTREAM_RESOLVER_TYPE, FIREWALL_(VPN_)INPUT_PORTS
    values: [
      { key: /^HTTP_CONTROL_SERVER_ADDRESS$/, ok: loopback, must: "Gluetun's control server on loopback" },
      { key: /^DNS_UPSTREAM_RESOLVER_TYPE$/, ok: (v) => v === "dot" || v === "doh", must: "encrypted DNS (dot or doh)" },
      { key: /^FIREWALL_(VPN_)?INPUT_PORTS$/, ok: never, must: "no inbound port opened in Gluetun's firewall" },
    ],
  },
  proxy: {
    pattern: /^(TRAEFIK_|CROWDSEC_|DNSPLUGIN|VALIDATION|URL$|SUBDOMAINS|ONLY_SUBDOMAINS|EXTRA_DOMAINS|STAGING|EMAIL)/,
    why: "the reverse proxy's configuration is generated from the plan",
  },
  auth: { pattern: /^AUTHELIA_/, why: "Authelia's configuration is generated from homelab:authelia" },
  tunnel: {
    pattern: /^TUNNEL_/,
    why: "cloudflared's settings come only from homelab:cloudflare",
    values: [
      { key: /^TUNNEL_METRICS$/, ok: loopback, must: "cloudflared's metrics on loopback" },
      { key: /^TUNNEL_(?!TOKEN$|METRICS$)/, ok: never, must: "only its token and metrics set (other TUNNEL_* settings repoint the tunnel)" },
    ],
  },
  ips: { pattern: /^(BOUNCER_KEY_|DISABLE_|LOCAL_API_URL|AGENT_)/, why: "CrowdSec's settings come only from homelab:crowdsec" },
  backup: {
    pattern: /^(RESTIC_|AWS_|B2_|PG)/,
    why: "the backup's repository and credentials come only from homelab:backup and homelab:backupCredentials",
    // restic doc/040_backup.rst "Environment Variables" @v0.18.1: RESTIC_PASSWORD_FILE / _COMMAND replace RESTIC_PASSWORD
    values: [
      {
        key: /^RESTIC_(PASSWORD_FILE|PASSWORD_COMMAND|KEY_HINT|FROM_.*)$/,
        ok: never,
        must: "its repository password only from the plan's secret (RESTIC_PASSWORD)",
      },
    ],
  },
};
/** Env no Docker API client may set: its only way to the engine is the socket proxy. */
export const DOCKER_CLIENT_ENV = /^DOCKER_(HOST|TLS_VERIFY|CERT_PATH|CONTEXT|CONFIG)$/;

/**
 * How a container's final env breaks PROTECTED_ENV's values, and where DOCKER_HOST leads: only a Docker API
 * client sets it, only to one of the stack's socket proxies; nobody sets Docker's TLS or context variables.
 * Messages name the key, never the value (it may be a secret).
 */
export function protectedEnvViolations(c: Pick<ContainerView, "env" | "dockerApi" | "socketProxies">, role: Role | undefined): string[] {
  if (!c.env) return [];
  const out: string[] = [];
  const rules = (role && PROTECTED_ENV[role]?.values) || [];
  for (const [key, value] of Object.entries(c.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const broken = rules.find((r) => r.key.test(key) && !r.ok(value));
    if (broken) out.push(`overrides protected setting ${key}: the stack guarantees ${broken.must}`);
    else if (key === "DOCKER_HOST") {
      const proxy = /^tcp:\/\/([^:/]+):\d+$/.exec(value)?.[1];
      if (!c.dockerApi) out.push(`overrides protected setting DOCKER_HOST: only a Docker API client (homelab.docker-api) sets it`);
      else if (!proxy || (c.socketProxies && !c.socketProxies.includes(proxy)))
        out.push(`overrides protected setting DOCKER_HOST: a Docker API client reaches the engine only through the stack's socket proxy`);
    } else if (DOCKER_CLIENT_ENV.test(key))
      out.push(`overrides protected setting ${key}: a Docker API client reaches the engine only through the socket proxy`);
  }
  return out;
}

/** Why the config may not set `key` in the env of a service whose main container has `role`, or undefined when it may. */
export function protectedEnvReason(role: Role, dockerApi: boolean, key: string): string | undefined {
  if (DOCKER_CLIENT_ENV.test(key) && (dockerApi || role === "socket-proxy"))
    return `${key} is set by the stack: a Docker API client reaches the engine only through the socket proxy`;
  const rule = PROTECTED_ENV[role];
  return rule?.pattern.test(key) ? `${key} is security-relevant and cannot be set here: ${rule.why}` : undefined;
}
