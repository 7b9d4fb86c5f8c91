import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlannedService } from "../topology/types";
import { containerArgs } from "./containerArgs";
import type { ImageCache } from "./images";
import { networkResource } from "./networks";

export interface ServiceStackArgs {
  service: PlannedService;
  plan: Plan;
  images: ImageCache;
  /** Docker network name → the network's `name` output, so containers wait for the networks they join. */
  networkNames: Map<string, pulumi.Input<string>>;
}

/** One service: its own vnet-<service> (if it has one) and its containers, private database included. */
export class ServiceStack extends pulumi.ComponentResource {
  readonly containers: docker.Container[] = [];
  readonly network?: docker.Network;

  constructor(name: string, args: ServiceStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:ServiceStack", name, {}, opts);
    const { service, plan, images } = args;
    const networkNames = new Map(args.networkNames);
    const own = plan.networks.find((n) => n.name === service.network);
    if (own) {
      this.network = networkResource(own, this);
      networkNames.set(own.name, this.network.name);
    }
    for (const c of plan.containers.filter((c) => c.service === service.name)) {
      // Fixed names: a replacement must remove the old container first or Docker refuses the name.
      this.containers.push(new docker.Container(c.name, containerArgs(c, images.imageId(c.image), networkNames), { parent: this, deleteBeforeReplace: true }));
    }
    this.registerOutputs({ network: own?.name, containers: this.containers.map((c) => c.name) });
  }
}
