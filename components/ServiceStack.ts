import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { containerArgs } from "./containerArgs";
import { containerUploads, deliverLiveFiles, withInternalCa, type TlsMaterial } from "./containerFiles";
import type { HostSecrets } from "./HostSecrets";
import { networkNamesOn, type DockerHosts } from "./hosts";
import type { Images } from "./Images";
import { networkResource, withOwnNetwork, type NetworkNames } from "./networkArgs";
import type { ServiceSlice } from "./planSlices";
import { joinNamespace, type Namespaces } from "./VpnGateway";

export interface ServiceStackArgs {
  /** The service's own network (if it has one) and its containers. */
  slice: ServiceSlice;
  images: Images;
  /** The shared networks its containers join, so they wait for them. */
  sharedNetworks: NetworkNames;
  /** Resolves the containers' secret env and generated files. */
  secrets?: HostSecrets;
  /** The stack's CA, when it has one: fills the `{{tls:…}}` placeholders of generated files. */
  ca?: TlsMaterial;
  /** Containers whose namespace others share (Gluetun), by name: `container:<name>` in the plan. */
  namespaces?: Namespaces;
  /** A multi-host stack's providers: each container is registered through its host's. */
  hosts?: DockerHosts;
}

/** One service: its own vnet-<service> (if it has one) and its containers, private database included. */
export class ServiceStack extends pulumi.ComponentResource {
  readonly containers: docker.Container[] = [];
  readonly network?: docker.Network;

  constructor(name: string, args: ServiceStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:ServiceStack", name, {}, opts);
    const { slice, images, secrets } = args;
    this.network = slice.network && networkResource(slice.network, this, args.hosts);
    const networkNames = withOwnNetwork(args.sharedNetworks, this.network, slice.network);
    const content = withInternalCa((f) => (secrets ? secrets.content(f) : f.content), args.ca);
    for (const c of slice.containers) {
      const secretEnv = secrets?.env(c.name, c.secretEnv) ?? {};
      const { args: containerInputs, opts: namespaceOpts } = joinNamespace(
        c,
        containerArgs(c, images.imageId(c.image, c.host), networkNamesOn(networkNames, c.host), secretEnv, containerUploads(c, content)),
        args.namespaces,
      );
      // Fixed names: a replacement must remove the old container first or Docker refuses the name.
      const onHost = args.hosts?.on(c.host) ?? {};
      const container = new docker.Container(c.name, containerInputs, { parent: this, deleteBeforeReplace: true, ...namespaceOpts, ...onHost });
      this.containers.push(container);
      deliverLiveFiles(c, container, content, this, args.hosts?.url(c.host));
    }
    this.registerOutputs({ network: this.network?.name, containers: this.containers.map((c) => c.name) });
  }
}
