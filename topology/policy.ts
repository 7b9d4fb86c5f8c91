import { ContainerView, judgeContainer, LABELS, sharedNamespaceOwner, viewFromLabels } from "../policy/networkPolicy";
import type { Plan, PlannedContainer, PlannedNetwork, PlanProblem } from "./types";

// The policy itself lives in policy/networkPolicy.ts, shared with the CrossGuard pack, the audit and the diagram.
export {
  DOCKER_SOCKET,
  exposesDockerSocket,
  joins,
  NETWORK_POLICY,
  protectedEnvReason,
  sharedNamespaceMode,
  sharedNamespaceOwner,
} from "../policy/networkPolicy";
export type { Allowance, RolePolicy } from "../policy/networkPolicy";

/** A planned container as the shared policy sees it; its role, service and Docker API use come from the labels it will carry. */
export function plannedView(
  plan: Plan,
  c: PlannedContainer,
  networks = networksByName(plan),
  withDatabase = servicesWithDatabase(plan.containers),
): ContainerView {
  return {
    name: c.name,
    ...viewFromLabels(c.labels),
    sharedNamespace: sharedNamespaceOwner(c.networkMode) === undefined ? undefined : c.networkMode,
    hostNetwork: c.networkMode === "host",
    networks: c.networks.map((name) => {
      const n = networks.get(name);
      return { name, kind: n?.kind, owner: n?.service, ownerHasDatabase: !!n?.service && withDatabase.has(n.service) };
    }),
    hostPorts: c.hostPorts.map((p) => p.external),
    hostname: false,
    mounts: c.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly, bind: m.type === "bind" })),
    // secret env by name only: the plan holds no secret value (its keys are judged, as the pack judges them)
    env: { ...c.env, ...Object.fromEntries(Object.keys(c.secretEnv ?? {}).map((k) => [k, "[secret]"])) },
    socketProxies: plan.containers.filter((x) => x.labels[LABELS.role] === "socket-proxy").map((x) => x.name),
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
/** Services that keep a database: the backup agent may join their networks (NETWORK_POLICY reachesDatabases). */
export const servicesWithDatabase = (containers: { role: string; service: string }[]): Set<string> =>
  new Set(containers.filter((c) => c.role === "database").map((c) => c.service));

/** Verifies a finished plan against the shared policy; each problem is located at the container's service. */
export function checkPolicy(plan: Plan): PlanProblem[] {
  const networks = networksByName(plan);
  const withDatabase = servicesWithDatabase(plan.containers);
  return plan.containers.flatMap((c) =>
    judgeContainer(plannedView(plan, c, networks, withDatabase)).map((v) => ({ path: `homelab:services.${c.service}`, message: v.message })),
  );
}

/**
 * `publish` asks for LAN ports: each must be a port the service listens on, and no two containers (the proxy's
 * 80/443 included) may claim the same host port. Said at the key, before Docker refuses the second bind at `up`.
 */
export function publishProblems(
  services: { name: string; config: { publish?: number[] }; entry: { main: { port?: number; extraPorts?: number[] } } }[],
  containers: PlannedContainer[],
): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const s of services.filter((s) => s.config.publish)) {
    const listens = [s.entry.main.port, ...(s.entry.main.extraPorts ?? [])].filter((p): p is number => p !== undefined);
    const strangers = s.config.publish!.filter((p) => !listens.includes(p));
    if (strangers.length)
      problems.push({
        path: `homelab:services.${s.name}.publish`,
        message: `${strangers.join(", ")} ${strangers.length > 1 ? "are not ports" : "is not a port"} ${s.name} listens on (${listens.join(", ") || "none"})`,
      });
  }
  const owners = new Map<string, string>();
  for (const c of containers) {
    for (const p of c.hostPorts) {
      const key = `${p.external}/${p.protocol ?? "tcp"}`;
      const owner = owners.get(key);
      if (owner && owner !== c.name)
        problems.push({ path: `homelab:services.${c.service}.publish`, message: `host port ${key} is already published by ${owner}` });
      else owners.set(key, c.name);
    }
  }
  return problems;
}
