import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlannedNetwork, PlannedService } from "../topology/types";

/** The docker.Network inputs for a planned network; its labels are what the policy pack and the audit judge it by. */
export function networkArgs(n: PlannedNetwork): docker.NetworkArgs {
  return {
    name: n.name,
    driver: "bridge",
    // ipRange: Docker's IPAM hands out container addresses only from it (docs.docker.com/reference/cli/docker/network/create, --ip-range).
    ipamConfigs: [{ subnet: n.subnet, gateway: n.gateway, ...(n.ipRange ? { ipRange: n.ipRange } : {}) }],
    labels: [{ label: "homelab.network-kind", value: n.kind }, ...(n.service ? [{ label: "homelab.service", value: n.service }] : [])],
  };
}

export function networkResource(n: PlannedNetwork, parent: pulumi.Resource): docker.Network {
  return new docker.Network(n.name, networkArgs(n), { parent });
}

/**
 * A service's own vnet-<service>, if the plan gives it one, plus the network-name map its containers use
 * (so they wait for that network).
 */
export function ownNetwork(plan: Plan, service: PlannedService, parent: pulumi.Resource, shared: Map<string, pulumi.Input<string>>) {
  const networkNames = new Map(shared);
  const planned = plan.networks.find((n) => n.name === service.network);
  const network = planned && networkResource(planned, parent);
  if (planned && network) networkNames.set(planned.name, network.name);
  return { network, networkNames };
}

/** The two shared /24s every stack has: vnet-ingress (proxy side) and vnet-socket (Docker API side). */
export class SharedNetworks extends pulumi.ComponentResource {
  readonly byName = new Map<string, docker.Network>();

  constructor(name: string, networks: PlannedNetwork[], opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:SharedNetworks", name, {}, opts);
    for (const n of networks) this.byName.set(n.name, networkResource(n, this));
    this.registerOutputs({ networks: [...this.byName.keys()] });
  }
}
