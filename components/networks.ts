import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { Plan, PlannedNetwork, PlannedService } from "../topology/types";
import { DockerHosts, onHostKey } from "./hosts";

/**
 * A network spanning hosts: a swarm-scoped overlay that standalone containers may join (`attachable`), IPsec
 * between hosts with the `encrypted` option (docs.docker.com/engine/network/drivers/overlay/: `docker network
 * create --driver overlay --attachable --opt encrypted`). Overlays are swarm-scoped by their driver.
 */
const overlayArgs = (n: PlannedNetwork) => ({ driver: "overlay", attachable: true, ...(n.encrypted ? { options: { encrypted: "" } } : {}) });

/** The docker.Network inputs for a planned network; its labels are what the policy pack and the audit judge it by. */
export function networkArgs(n: PlannedNetwork): docker.NetworkArgs {
  return {
    name: n.name,
    driver: "bridge",
    ...(n.driver === "overlay" ? overlayArgs(n) : {}),
    // ipRange: Docker's IPAM hands out container addresses only from it (docs.docker.com/reference/cli/docker/network/create, --ip-range).
    ipamConfigs: [{ subnet: n.subnet, gateway: n.gateway, ...(n.ipRange ? { ipRange: n.ipRange } : {}) }],
    labels: [{ label: "homelab.network-kind", value: n.kind }, ...(n.service ? [{ label: "homelab.service", value: n.service }] : [])],
  };
}

/**
 * The Docker networks of one planned network, by the key containers look them up by: one local bridge
 * (single host, or one host of several), one overlay created through the swarm's manager, or a bridge on
 * each of several hosts (vnet-socket: `<host>/<name>` for all but the first, `.<host>` in the resource name).
 */
export function networkResources(n: PlannedNetwork, parent: pulumi.Resource, hosts?: DockerHosts): Map<string, docker.Network> {
  if (!n.hosts || !hosts) return new Map([[n.name, new docker.Network(n.name, networkArgs(n), { parent })]]);
  if (n.driver === "overlay") return new Map([[n.name, new docker.Network(n.name, networkArgs(n), { parent, ...hosts.on(hosts.manager) })]]);
  const [first, ...others] = n.hosts;
  return new Map([
    [n.name, new docker.Network(n.name, networkArgs(n), { parent, ...hosts.on(first) })],
    ...others.map((h) => [onHostKey(h, n.name), new docker.Network(`${n.name}.${h}`, networkArgs(n), { parent, ...hosts.on(h) })] as const),
  ]);
}

/**
 * A service's own vnet-<service>, if the plan gives it one, plus the network-name map its containers use
 * (so they wait for that network).
 */
export function ownNetwork(plan: Plan, service: PlannedService, parent: pulumi.Resource, shared: Map<string, pulumi.Input<string>>, hosts?: DockerHosts) {
  const networkNames = new Map(shared);
  const planned = plan.networks.find((n) => n.name === service.network);
  const network = planned && networkResources(planned, parent, hosts).get(planned.name);
  if (planned && network) networkNames.set(planned.name, network.name);
  return { network, networkNames };
}

/** The two shared /24s every stack has: vnet-ingress (proxy side) and vnet-socket (Docker API side). */
export class SharedNetworks extends pulumi.ComponentResource {
  readonly byName = new Map<string, docker.Network>();

  constructor(name: string, networks: PlannedNetwork[], opts?: pulumi.ComponentResourceOptions, hosts?: DockerHosts) {
    super("homelab:index:SharedNetworks", name, {}, opts);
    for (const n of networks) for (const [key, network] of networkResources(n, this, hosts)) this.byName.set(key, network);
    this.registerOutputs({ networks: [...this.byName.keys()] });
  }
}
