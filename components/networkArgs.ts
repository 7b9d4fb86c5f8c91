import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { PlannedNetwork } from "../topology/types";

/** Docker network name → the network resource's `name` output: containers that join it wait for it. */
export type NetworkNames = ReadonlyMap<string, pulumi.Input<string>>;

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

/** A planned network as a resource. Named by its Docker name, which is already unique on the engine. */
export function networkResource(n: PlannedNetwork, parent: pulumi.Resource): docker.Network {
  return new docker.Network(n.name, networkArgs(n), { parent });
}

/** `shared` plus a component's own network, for its containers. */
export function withOwnNetwork(shared: NetworkNames, own: docker.Network | undefined, planned: PlannedNetwork | undefined): NetworkNames {
  return own && planned ? new Map([...shared, [planned.name, own.name]]) : shared;
}
