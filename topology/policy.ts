import { ContainerView, judgeContainer, LABELS, viewFromLabels } from "../policy/networkPolicy";
import type { Plan, PlannedContainer, PlannedNetwork, PlanProblem } from "./types";

// The policy itself lives in policy/networkPolicy.ts, shared with the CrossGuard pack, the audit and the diagram.
export { DOCKER_SOCKET, exposesDockerSocket, joins, NETWORK_POLICY, protectedEnvReason } from "../policy/networkPolicy";
export type { Allowance, RolePolicy } from "../policy/networkPolicy";

/** A planned container as the shared policy sees it; its role, service and Docker API use come from the labels it will carry. */
export function plannedView(plan: Plan, c: PlannedContainer, networks = networksByName(plan)): ContainerView {
  return {
    name: c.name,
    ...viewFromLabels(c.labels),
    sharedNamespace: c.networkMode?.startsWith("container:") ? c.networkMode : undefined,
    hostNetwork: c.networkMode === "host",
    networks: c.networks.map((name) => {
      const n = networks.get(name);
      return { name, kind: n?.kind, owner: n?.service };
    }),
    hostPorts: c.hostPorts.map((p) => p.external),
    hostname: false,
    mounts: c.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly, bind: m.type === "bind" })),
  };
}

/** The labels that let the pack and the audit judge a container as the planner does: who it is, whether it calls the Docker API, whether a route leads to it. */
export function policyLabels(c: { service: string; role: string; dockerApi?: "read" | "write"; expose?: "lan" | "tunnel" }): Record<string, string> {
  return {
    [LABELS.service]: c.service,
    [LABELS.role]: c.role,
    ...(c.dockerApi ? { [LABELS.dockerApi]: c.dockerApi } : {}),
    ...(c.expose ? { [LABELS.expose]: c.expose } : {}),
  };
}

export const networksByName = (plan: Plan): Map<string, PlannedNetwork> => new Map(plan.networks.map((n) => [n.name, n]));

/** Verifies a finished plan against the shared policy; each problem is located at the container's service. */
export function checkPolicy(plan: Plan): PlanProblem[] {
  const networks = networksByName(plan);
  return plan.containers.flatMap((c) => judgeContainer(plannedView(plan, c, networks)).map((v) => ({ path: `homelab:services.${c.service}`, message: v.message })));
}
