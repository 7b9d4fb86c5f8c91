import Docker from "dockerode";
import { swarmProblems, type HostSwarmState } from "../topology/swarm";
import type { Plan, PlannedHost } from "../topology/types";
import { dockerOptions } from "./audit";

/** `docker info` (and, on a manager, `docker node ls`) of one host, bounded: a host that does not answer is said so. */
export async function readHostSwarm(host: PlannedHost, env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): Promise<HostSwarmState> {
  try {
    const docker = new Docker(dockerOptions(host.docker, env, timeoutMs));
    const info = (await docker.info()) as { Swarm?: { NodeID?: string; NodeAddr?: string; LocalNodeState?: string; ControlAvailable?: boolean } };
    const swarm = info.Swarm ?? {};
    const manager = swarm.LocalNodeState === "active" && swarm.ControlAvailable === true;
    const nodes = manager ? ((await docker.listNodes()) as { ID: string }[]).map((n) => n.ID) : undefined;
    return {
      host: host.name,
      reachable: true,
      nodeId: swarm.NodeID ?? "",
      nodeAddr: swarm.NodeAddr ?? "",
      state: swarm.LocalNodeState ?? "",
      manager,
      ...(nodes ? { nodes } : {}),
    };
  } catch (e) {
    return { host: host.name, reachable: false, error: (e as Error).message };
  }
}

/**
 * Before a preview or an up of a multi-host stack: every host must answer and all must be one swarm, or
 * nothing is created. Undefined when the stack has no hosts or the swarm is whole; else the refusal text.
 */
export async function swarmRefusal(plan: Plan, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (!plan.hosts?.length) return undefined;
  const states = await Promise.all(plan.hosts.map((h) => readHostSwarm(h, env)));
  const problems = swarmProblems(plan.hosts, states);
  if (!problems.length) return undefined;
  return `homelab: the hosts of this stack are not one Docker Swarm, so nothing was created:\n${problems.map((p) => `  - ${p}`).join("\n")}\n(docs/multi-host.md)`;
}
