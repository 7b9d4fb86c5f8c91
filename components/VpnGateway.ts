import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { sharedNamespaceMode, sharedNamespaceOwner } from "../topology/policy";
import type { PlannedContainer } from "../topology/types";
import { containerArgs } from "./containerArgs";
import { networkNamesOn, type DockerHosts } from "./hosts";
import type { Images } from "./Images";
import { networkResource, withOwnNetwork, type NetworkNames } from "./networkArgs";
import type { ServiceSlice } from "./planSlices";
import type { HostSecrets } from "./HostSecrets";
import { resolveSecretEnv } from "./secretEnv";

/** Container name (as the plan writes `container:<name>`) → the container whose namespace it is. */
export type Namespaces = ReadonlyMap<string, docker.Container>;

export interface VpnGatewayArgs {
  /** The gateway service: its own network and the Gluetun container. */
  slice: ServiceSlice;
  images: Images;
  /** The shared networks the gateway joins. */
  sharedNetworks: NetworkNames;
  /** Resolves a config path named in the plan's `secretEnv` to its secret value. */
  secret: (path: string) => pulumi.Output<string>;
  /** The plan's own secrets, for secret env the owner gave Gluetun. */
  secrets?: HostSecrets;
  /** A multi-host stack's providers: Gluetun is registered through its host's. */
  hosts?: DockerHosts;
}

/** Seconds Docker may take to report Gluetun healthy (tunnel up) before its clients are created. */
const HEALTHY_TIMEOUT = 180;

/** Gluetun: its own network and its container, with the provider credentials as secret env vars. */
export class VpnGateway extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly network?: docker.Network;
  readonly namespaces: Namespaces;

  constructor(name: string, args: VpnGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:VpnGateway", name, {}, opts);
    const { slice, images } = args;
    const c = slice.containers.find((c) => c.role === "vpn-gateway");
    if (!c) throw new Error(`${slice.name} has no vpn-gateway container`);
    this.network = slice.network && networkResource(slice.network, this, args.hosts);
    const networkNames = withOwnNetwork(args.sharedNetworks, this.network, slice.network);
    const secretEnv = args.secrets
      ? args.secrets.env(c.name, c.secretEnv, { config: args.secret })
      : resolveSecretEnv(c.name, c.secretEnv, { config: args.secret });
    this.container = new docker.Container(
      c.name,
      // wait: the provider reports Gluetun created only once its healthcheck passes, so clients start behind a live tunnel.
      { ...containerArgs(c, images.imageId(c.image, c.host), networkNamesOn(networkNames, c.host), secretEnv), wait: true, waitTimeout: HEALTHY_TIMEOUT },
      { parent: this, deleteBeforeReplace: true, ...(args.hosts?.on(c.host) ?? {}) },
    );
    this.namespaces = new Map([[c.name, this.container]]);
    this.registerOutputs({ network: this.network?.name, container: this.container.name, clients: (c.vpnClients ?? []).map((v) => v.service) });
  }
}

/**
 * A container that shares another's namespace (`container:<name>` in the plan) gets `container:<id>`: Docker
 * stores the id, so a name would diff forever. The id also ties it to the gateway's lifetime: a replaced
 * Gluetun has a new id, which changes `networkMode` and replaces every client in the same update
 * (`replaceOnChanges` states that independently of the provider's schema).
 */
export function joinNamespace(
  c: PlannedContainer,
  args: docker.ContainerArgs,
  namespaces: Namespaces | undefined,
): { args: docker.ContainerArgs; opts: pulumi.CustomResourceOptions } {
  const owner = sharedNamespaceOwner(c.networkMode);
  if (!owner) return { args, opts: {} };
  const gateway = namespaces?.get(owner);
  if (!gateway) throw new pulumi.RunError(`${c.name} shares the namespace of ${owner}, which this program does not create`);
  return { args: { ...args, networkMode: gateway.id.apply(sharedNamespaceMode) }, opts: { replaceOnChanges: ["networkMode"] } };
}
