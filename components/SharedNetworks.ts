import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedContainer, PlannedNetwork } from "../topology/types";
import { networkResource, type NetworkNames } from "./networkArgs";

/** The networks several services join: vnet-ingress, vnet-socket and the link networks. */
export class SharedNetworks extends pulumi.ComponentResource {
  private readonly byName = new Map<string, docker.Network>();

  constructor(name: string, networks: PlannedNetwork[], opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:SharedNetworks", name, {}, opts);
    for (const n of networks) this.byName.set(n.name, networkResource(n, this));
    this.registerOutputs({ networks: [...this.byName.keys()] });
  }

  /** The shared networks these containers join, and nothing else: what a component hands its containers. */
  joinedBy(containers: readonly PlannedContainer[]): NetworkNames {
    const joined = new Set(containers.flatMap((c) => c.networks));
    return new Map([...this.byName].filter(([name]) => joined.has(name)).map(([name, net]) => [name, net.name]));
  }
}
