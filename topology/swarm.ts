import type { PlannedHost } from "./types";

/**
 * What one host's engine says about its swarm membership: the `Swarm` block of `docker info`
 * (Engine API GET /info, SwarmInfo: NodeID, NodeAddr, LocalNodeState, ControlAvailable; docs.docker.com/reference/api/engine/)
 * and, on a manager, the IDs of the swarm's nodes (GET /nodes).
 */
export type HostSwarmState =
  | { host: string; reachable: false; error: string }
  | { host: string; reachable: true; nodeId: string; nodeAddr: string; state: string; manager: boolean; nodes?: string[] };

/** Swarm's control-plane port (docs.docker.com/engine/swarm/swarm-tutorial/#open-protocols-and-ports-between-the-hosts). */
export const SWARM_PORT = 2377;

/**
 * Whether the stack's hosts form one swarm with the planned manager among its managers; every reason
 * they do not, with the `docker swarm init` / `docker swarm join` commands that fix it. Empty: go ahead.
 */
export function swarmProblems(hosts: PlannedHost[], states: HostSwarmState[]): string[] {
  const problems: string[] = [];
  const byHost = new Map(states.map((s) => [s.host, s]));
  for (const s of states) if (!s.reachable) problems.push(`host '${s.host}' (${urlOf(hosts, s.host)}) does not answer: ${s.error}`);
  const manager = hosts.find((h) => h.manager) ?? hosts[0];
  const m = byHost.get(manager.name);
  if (!m?.reachable) return problems;
  const cli = (h: PlannedHost) => `docker -H ${h.docker}`;
  const advertise = "<this host's LAN address>";
  if (m.state !== "active" || !m.manager) {
    problems.push(
      m.state === "active"
        ? `host '${manager.name}' is in a swarm but not a manager: promote it (on a manager: docker node promote ${m.nodeId}) or mark a manager in homelab:hosts`
        : `host '${manager.name}' is not in a swarm (state: ${m.state || "inactive"}); start one there:\n    ${cli(manager)} swarm init --advertise-addr ${advertise}`,
    );
  }
  const managerAddr = m.state === "active" && m.nodeAddr ? `${m.nodeAddr}:${SWARM_PORT}` : `<${manager.name}'s address>:${SWARM_PORT}`;
  const join = (h: PlannedHost) => `${cli(h)} swarm join --token "$(${cli(manager)} swarm join-token -q worker)" ${managerAddr}`;
  for (const h of hosts.filter((h) => h.name !== manager.name)) {
    const s = byHost.get(h.name);
    if (!s?.reachable) continue;
    if (s.state !== "active") problems.push(`host '${h.name}' is not in the swarm (state: ${s.state || "inactive"}); join it:\n    ${join(h)}`);
    else if (m.nodes && !m.nodes.includes(s.nodeId))
      problems.push(
        `host '${h.name}' is in another swarm than '${manager.name}'; leave it and join this one:\n    ${cli(h)} swarm leave --force\n    ${join(h)}`,
      );
  }
  return problems;
}

const urlOf = (hosts: PlannedHost[], name: string) => hosts.find((h) => h.name === name)?.docker ?? "?";
