import type { AccessAppPlan, CloudflarePlan, DnsRecordPlan, Plan, PlannedContainer, PlannedNetwork, ServiceComponent, TunnelPlan } from "../topology/types";

/**
 * The plan cut into what each component creates, so that a component gets its own networks and containers
 * and never filters the whole plan itself. Which component a service belongs to is the plan's word
 * (`PlannedService.component`), not this file's.
 */

/** One service's share of the plan: its own network, if it has one, and its containers. */
export interface ServiceSlice {
  name: string;
  network?: PlannedNetwork;
  containers: PlannedContainer[];
}

/** The networks several services join (vnet-ingress, vnet-socket, links): every network no service owns. */
export function sharedNetworks(plan: Plan): PlannedNetwork[] {
  return plan.networks.filter((n) => n.kind !== "service");
}

/** The slices of the services a component of that kind creates, in plan order. */
export function serviceSlices(plan: Plan, component: ServiceComponent): ServiceSlice[] {
  return plan.services
    .filter((s) => s.component === component)
    .map((s) => ({
      name: s.name,
      network: plan.networks.find((n) => n.name === s.network),
      containers: plan.containers.filter((c) => c.service === s.name),
    }));
}

/** The Internet side of the plan and the container that runs the tunnel. */
export interface RemoteAccessSlice {
  cloudflare: CloudflarePlan;
  tunnel: TunnelPlan;
  dns: DnsRecordPlan[];
  access: AccessAppPlan[];
  connector: PlannedContainer;
}

/** The remote-access slice; undefined when the stack has no remote access. */
export function remoteAccessSlice(plan: Plan): RemoteAccessSlice | undefined {
  const { cloudflare, tunnel, dns = [], access = [] } = plan;
  if (!cloudflare || !tunnel) return undefined;
  const connector = plan.containers.find((c) => c.name === tunnel.connector);
  if (!connector) throw new Error(`the plan has no ${tunnel.connector} container`);
  return { cloudflare, tunnel, dns, access, connector };
}
