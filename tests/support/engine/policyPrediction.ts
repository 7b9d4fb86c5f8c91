/**
 * The reachability the topology plan predicts, for comparison with the matrix measured on the
 * engine: a container reaches another's address on a network iff, in the plan, both their
 * namespaces are members of that network (topology/reachability.ts, which `homelab audit --probe` uses too).
 * Containers of different stacks (plans) never reach each other.
 */
export { plannedNetworks };
import { planAllows, plannedNetworks } from "../../../topology/reachability";
import type { Plan } from "../../../topology/types";
import type { ContainerFacts, ReachabilityRule } from "./probe";

/** Strips the `<group>/` qualification `inspectFacts` puts on keys when several runs are inspected. */
export function unqualified(key: string, group: string): string {
  return key.startsWith(`${group}/`) ? key.slice(group.length + 1) : key;
}

/** Rule for `expectedMatrix`: `plans` maps each realised run's group (the stack name) to its plan. */
export function planRule(plans: ReadonlyMap<string, Plan>): ReachabilityRule {
  return (from: ContainerFacts, to: ContainerFacts, network: string) => {
    if (from.group !== to.group) return false;
    const plan = plans.get(from.group);
    if (!plan) throw new Error(`no plan for realised group ${from.group}`);
    // Both ends must be planned on the network: an address the plan does not give the target
    // (an attachment the engine has but the plan lacks) must not be reachable either.
    return planAllows(plan, from.name, to.name, unqualified(network, to.group));
  };
}

/** Differences between the memberships the engine shows and the plan's, one line each. */
export function membershipDifferences(facts: ContainerFacts[], plans: ReadonlyMap<string, Plan>): string[] {
  const lines: string[] = [];
  for (const [group, plan] of plans) {
    const realised = facts.filter((f) => f.group === group);
    const planned = new Set(plan.containers.map((c) => c.name));
    for (const name of planned) if (!realised.some((f) => f.name === name)) lines.push(`${group}: ${name} planned, not realised`);
    for (const f of realised) {
      const c = plan.containers.find((p) => p.name === f.name);
      if (!c) {
        lines.push(`${group}: ${f.name} realised, not planned`);
        continue;
      }
      const engineNets = Object.keys(f.networks)
        .map((n) => unqualified(n, group))
        .sort()
        .join(",");
      const planNets = [...c.networks].sort().join(",");
      if (engineNets !== planNets) lines.push(`${group}: ${f.name} is on [${engineNets}], planned [${planNets}]`);
      const owner = c.networkMode?.startsWith("container:") ? c.networkMode.slice("container:".length) : undefined;
      const engineOwner = f.netnsOwner === undefined ? undefined : unqualified(f.netnsOwner, group);
      if (owner !== engineOwner) lines.push(`${group}: ${f.name} shares the namespace of ${engineOwner ?? "nobody"}, planned ${owner ?? "nobody"}`);
    }
  }
  return lines;
}
