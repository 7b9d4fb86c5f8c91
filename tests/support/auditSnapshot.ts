import type { EngineSnapshot } from "../../topology/audit";
import type { Plan } from "../../topology/types";

/** The engine exactly as the plan wants it: every network with its subnet, every container running where planned. */
export function snapshotOf(plan: Plan): EngineSnapshot {
  const ids = new Map(plan.containers.map((c, i) => [c.name, `${String(i + 1).padStart(4, "0")}${"ab".repeat(30)}`]));
  return {
    networks: plan.networks.map((n, i) => ({
      id: `net${i}`,
      name: n.name,
      subnets: [n.subnet],
      labels: { "homelab.network-kind": n.kind, ...(n.service ? { "homelab.service": n.service } : {}) },
    })),
    containers: plan.containers.map((c) => {
      const owner = c.networkMode?.replace(/^container:/, "");
      return {
        id: ids.get(c.name)!,
        name: c.name,
        state: "running",
        labels: c.labels,
        networkMode: owner ? `container:${ids.get(owner)}` : c.networks[0],
        networks: [...c.networks],
        mounts: c.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.readOnly, type: m.type })),
        hostPorts: c.hostPorts.map((p) => p.external),
      };
    }),
  };
}
