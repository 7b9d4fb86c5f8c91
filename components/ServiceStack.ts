import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlannedService } from "../topology/types";
import { containerArgs } from "./containerArgs";
import { containerUploads, deliverLiveFiles, withInternalCa, type TlsMaterial } from "./containerFiles";
import type { ImageCache } from "./images";
import type { HostSecrets } from "./Secrets";
import { ownNetwork } from "./networks";
import { joinNamespace } from "./VpnGateway";

export interface ServiceStackArgs {
  service: PlannedService;
  plan: Plan;
  images: ImageCache;
  /** Docker network name → the network's `name` output, so containers wait for the networks they join. */
  networkNames: Map<string, pulumi.Input<string>>;
  /** Resolves the containers' secret env and generated files. */
  secrets?: HostSecrets;
  /** The stack's CA, when it has one: fills the `{{tls:…}}` placeholders of generated files. */
  ca?: TlsMaterial;
  /** Containers whose namespace others share (Gluetun), by name: `container:<name>` in the plan. */
  namespaces?: ReadonlyMap<string, docker.Container>;
}

/** One service: its own vnet-<service> (if it has one) and its containers, private database included. */
export class ServiceStack extends pulumi.ComponentResource {
  readonly containers: docker.Container[] = [];
  readonly network?: docker.Network;

  constructor(name: string, args: ServiceStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:ServiceStack", name, {}, opts);
    const { service, plan, images } = args;
    const { network, networkNames } = ownNetwork(plan, service, this, args.networkNames);
    this.network = network;
    for (const c of plan.containers.filter((c) => c.service === service.name)) {
      // Fixed names: a replacement must remove the old container first or Docker refuses the name.
      const secretEnv = args.secrets?.env(c.name, c.secretEnv) ?? {};
      const content = withInternalCa((f) => (args.secrets ? args.secrets.content(f) : f.content), args.ca);
      const { args: containerInputs, opts: namespaceOpts } = joinNamespace(
        c,
        containerArgs(c, images.imageId(c.image), networkNames, secretEnv, containerUploads(c, content)),
        args.namespaces,
      );
      const container = new docker.Container(c.name, containerInputs, { parent: this, deleteBeforeReplace: true, ...namespaceOpts });
      this.containers.push(container);
      deliverLiveFiles(c, container, content, this);
    }
    this.registerOutputs({ network: network?.name, containers: this.containers.map((c) => c.name) });
  }
}
