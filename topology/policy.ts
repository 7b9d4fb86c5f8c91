import type { Role } from "../config/catalog";
import type { Plan, PlannedContainer, PlanProblem } from "./types";

/**
 * The seed's network policy as data: which networks a container of each role joins.
 * The planner builds memberships from this table and `checkPolicy` verifies any plan against it,
 * so the rule is written once.
 *   always         — must be on it
 *   never          — must not be on it
 *   if-docker-api  — on it exactly when its service reads the Docker API (through the socket proxy)
 *   optional       — only when the owner asks (link networks)
 */
export type Allowance = "always" | "never" | "if-docker-api" | "optional";
export interface RolePolicy {
  ingress: Allowance;
  own: Allowance;
  socket: Allowance;
  link: Allowance;
}

export const NETWORK_POLICY: Record<Role, RolePolicy> = {
  web: { ingress: "always", own: "always", socket: "never", link: "optional" },
  monitoring: { ingress: "always", own: "always", socket: "always", link: "optional" },
  worker: { ingress: "never", own: "always", socket: "if-docker-api", link: "optional" },
  database: { ingress: "never", own: "always", socket: "never", link: "never" },
  cache: { ingress: "never", own: "always", socket: "never", link: "never" },
  "socket-proxy": { ingress: "never", own: "never", socket: "always", link: "never" },
  proxy: { ingress: "always", own: "always", socket: "if-docker-api", link: "never" },
  auth: { ingress: "always", own: "always", socket: "never", link: "never" },
  ips: { ingress: "always", own: "always", socket: "never", link: "never" },
  "vpn-gateway": { ingress: "always", own: "always", socket: "never", link: "optional" },
  tunnel: { ingress: "always", own: "never", socket: "never", link: "never" },
};

export const DOCKER_SOCKET = "/var/run/docker.sock";

/** True when a bind of `source` puts the Docker socket in the container: the socket itself or any folder above it (`/run` is where `/var/run` points). */
export function exposesDockerSocket(source: string): boolean {
  const p = source.replace(/\/+/g, "/").replace(/(?<=.)\/$/, "");
  return [DOCKER_SOCKET, "/run/docker.sock"].some((socket) => socket === p || socket.startsWith(p === "/" ? "/" : `${p}/`));
}

export function joins(allowance: Allowance, dockerApi: boolean): boolean {
  return allowance === "always" || (allowance === "if-docker-api" && dockerApi);
}

/**
 * Verifies a finished plan against the policy: network memberships per role, nobody on another
 * service's network, the Docker socket mounted only by the socket proxy and only read-only,
 * namespace-sharing containers with no networks of their own, host ports only on the proxy.
 */
export function checkPolicy(plan: Plan): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const networks = new Map(plan.networks.map((n) => [n.name, n]));
  const services = new Map(plan.services.map((s) => [s.name, s]));

  for (const c of plan.containers) {
    const path = `homelab:services.${c.service}`;
    const fail = (message: string) => problems.push({ path, message: `${c.name} (${c.role}) ${message}` });
    const rule = NETWORK_POLICY[c.role];
    const dockerApi = !!services.get(c.service)?.dockerApi && c.role !== "database" && c.role !== "cache";

    for (const m of c.mounts) {
      if ((m.type === "bind" && exposesDockerSocket(m.source)) || m.target === DOCKER_SOCKET) {
        if (c.role !== "socket-proxy") fail("mounts the Docker socket: only the socket proxy may");
        else if (!m.readOnly) fail("mounts the Docker socket read-write: it must be read-only");
      }
    }
    // Outside the proxy and the VPN gateway, a host port exists only where the owner asked for it (`publish`).
    const asked = new Set(services.get(c.service)?.publish ?? []);
    const unasked = c.hostPorts.filter((p) => !asked.has(p.external));
    if (unasked.length > 0 && c.role !== "proxy" && c.role !== "vpn-gateway") fail(`publishes host ports ${unasked.map((p) => p.external).join(", ")}: only the proxy may, or a service whose owner lists them in publish`);

    if (c.networkMode) {
      if (c.networks.length > 0) fail(`shares ${c.networkMode} and must not join networks of its own`);
      if (c.hostPorts.length > 0) fail(`shares ${c.networkMode} and cannot publish ports`);
      continue;
    }
    const kinds = { ingress: false, own: false, socket: false, link: false };
    for (const name of c.networks) {
      const net = networks.get(name);
      if (!net) {
        fail(`joins ${name}, which is not in the plan`);
        continue;
      }
      if (net.kind === "service") {
        if (net.service !== c.service) fail(`joins ${name}, another service's network`);
        else kinds.own = true;
      } else kinds[net.kind] = true;
    }
    for (const kind of ["ingress", "own", "socket", "link"] as const) {
      const allowance = rule[kind];
      const label = kind === "own" ? "its own service network" : kind === "link" ? "a link network" : `vnet-${kind}`;
      if (kinds[kind] && allowance === "never") fail(`must never be on ${label}`);
      if (kinds[kind] && allowance === "if-docker-api" && !dockerApi) fail(`is on ${label} but does not use the Docker API`);
      if (!kinds[kind] && joins(allowance, dockerApi)) fail(`must be on ${label}`);
    }
  }
  return problems;
}

/**
 * `publish` asks for LAN ports: each must be a port the service listens on, and no two containers (the proxy's
 * 80/443 included) may claim the same host port. Said at the key, before Docker refuses the second bind at `up`.
 */
export function publishProblems(services: { name: string; config: { publish?: number[] }; entry: { main: { port?: number; extraPorts?: number[] } } }[], containers: PlannedContainer[]): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const s of services.filter((s) => s.config.publish)) {
    const listens = [s.entry.main.port, ...(s.entry.main.extraPorts ?? [])].filter((p): p is number => p !== undefined);
    const strangers = s.config.publish!.filter((p) => !listens.includes(p));
    if (strangers.length) problems.push({ path: `homelab:services.${s.name}.publish`, message: `${strangers.join(", ")} ${strangers.length > 1 ? "are not ports" : "is not a port"} ${s.name} listens on (${listens.join(", ") || "none"})` });
  }
  const owners = new Map<string, string>();
  for (const c of containers) {
    for (const p of c.hostPorts) {
      const key = `${p.external}/${p.protocol ?? "tcp"}`;
      const owner = owners.get(key);
      if (owner && owner !== c.name) problems.push({ path: `homelab:services.${c.service}.publish`, message: `host port ${key} is already published by ${owner}` });
      else owners.set(key, c.name);
    }
  }
  return problems;
}
