import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedContainer, PlannedNetwork } from "../topology/types";
import type { DockerHosts } from "./hosts";
import { networkResources, type NetworkNames } from "./networkArgs";

/** The networks several services join: vnet-ingress, vnet-socket and the link networks. */
export class SharedNetworks extends pulumi.ComponentResource {
  private readonly byName = new Map<string, docker.Network>();

  constructor(name: string, networks: PlannedNetwork[], opts?: pulumi.ComponentResourceOptions, hosts?: DockerHosts) {
    super("homelab:index:SharedNetworks", name, {}, opts);
    for (const n of networks) for (const [key, network] of networkResources(n, this, hosts)) this.byName.set(key, network);
    this.registerOutputs({ networks: [...this.byName.keys()] });
  }

  /**
   * The shared networks these containers join, and nothing else: what a component hands its containers
   * (with every host's copy of a per-host network, `<host>/<name>`: each container picks its own host's).
   */
  joinedBy(containers: readonly PlannedContainer[]): NetworkNames {
    const joined = new Set(containers.flatMap((c) => c.networks));
    const networkOf = (key: string) => key.slice(key.indexOf("/") + 1);
    return new Map([...this.byName].filter(([key]) => joined.has(networkOf(key))).map(([key, net]) => [key, net.name]));
  }
}
