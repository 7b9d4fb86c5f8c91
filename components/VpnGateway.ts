import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { sharedNamespaceMode, sharedNamespaceOwner } from "../topology/policy";
import type { Plan, PlannedContainer, PlannedService } from "../topology/types";
import { containerArgs } from "./containerArgs";
import type { ImageCache } from "./images";
import { ownNetwork } from "./networks";
import type { HostSecrets } from "./Secrets";
import { resolveSecretEnv } from "./secretEnv";

export interface VpnGatewayArgs {
  service: PlannedService;
  plan: Plan;
  images: ImageCache;
  networkNames: Map<string, pulumi.Input<string>>;
  /** Resolves a config path named in the plan's `secretEnv` to its secret value. */
  secret: (path: string) => pulumi.Output<string>;
  /** The plan's own secrets, for secret env the owner gave Gluetun. */
  secrets?: HostSecrets;
}

/** Seconds Docker may take to report Gluetun healthy (tunnel up) before its clients are created. */
const HEALTHY_TIMEOUT = 180;

/** The planned service holding the VPN gateway, if the plan routes anything through one. */
export function vpnGatewayService(plan: Plan): PlannedService | undefined {
  return plan.services.find((s) => plan.containers.some((c) => c.service === s.name && c.role === "vpn-gateway"));
}

/** Gluetun: its own network and its container, with the provider credentials as secret env vars. */
export class VpnGateway extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly network?: docker.Network;
  /** Container name (as the plan writes `container:<name>`) → the gateway container. */
  readonly namespaces = new Map<string, docker.Container>();

  constructor(name: string, args: VpnGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:VpnGateway", name, {}, opts);
    const { service, plan, images } = args;
    const { network, networkNames } = ownNetwork(plan, service, this, args.networkNames);
    this.network = network;
    const c = plan.containers.find((c) => c.service === service.name && c.role === "vpn-gateway")!;
    const secretEnv = args.secrets
      ? args.secrets.env(c.name, c.secretEnv, { config: args.secret })
      : resolveSecretEnv(c.name, c.secretEnv, { config: args.secret });
    this.container = new docker.Container(
      c.name,
      // wait: the provider reports Gluetun created only once its healthcheck passes, so clients start behind a live tunnel.
      { ...containerArgs(c, images.imageId(c.image), networkNames, secretEnv), wait: true, waitTimeout: HEALTHY_TIMEOUT },
      { parent: this, deleteBeforeReplace: true },
    );
    this.namespaces.set(c.name, this.container);
    this.registerOutputs({ network: network?.name, container: this.container.name, clients: (c.vpnClients ?? []).map((v) => v.service) });
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
  namespaces: ReadonlyMap<string, docker.Container> | undefined,
): { args: docker.ContainerArgs; opts: pulumi.CustomResourceOptions } {
  const owner = sharedNamespaceOwner(c.networkMode);
  if (!owner) return { args, opts: {} };
  const gateway = namespaces?.get(owner);
  if (!gateway) throw new pulumi.RunError(`${c.name} shares the namespace of ${owner}, which this program does not create`);
  return { args: { ...args, networkMode: gateway.id.apply(sharedNamespaceMode) }, opts: { replaceOnChanges: ["networkMode"] } };
}
