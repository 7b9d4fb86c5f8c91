import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { PlannedNetwork } from "../topology/types";
import { onHostKey, type DockerHosts } from "./hosts";

/** Docker network name → the network resource's `name` output: containers that join it wait for it. */
export type NetworkNames = ReadonlyMap<string, pulumi.Input<string>>;

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
 * A network spanning hosts: a swarm-scoped overlay that standalone containers may join (`attachable`), IPsec
 * between hosts with the `encrypted` option (docs.docker.com/engine/network/drivers/overlay/: `docker network
 * create --driver overlay --attachable --opt encrypted`). Overlays are swarm-scoped by their driver.
 */
const overlayArgs = (n: PlannedNetwork) => ({ driver: "overlay", attachable: true, ...(n.encrypted ? { options: { encrypted: "" } } : {}) });

/**
 * The Docker networks of one planned network, by the key containers look them up by: one local bridge
 * (single host, or one host of several), one overlay created through the swarm's manager, or a bridge on
 * each of several hosts (vnet-socket: `<host>/<name>` for all but the first, `.<host>` in the resource name).
 * Named by its Docker name, which is already unique on the engine.
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

/** A service's own network: on its one host, or an overlay when its containers are on several. */
export function networkResource(n: PlannedNetwork, parent: pulumi.Resource, hosts?: DockerHosts): docker.Network {
  return networkResources(n, parent, hosts).get(n.name)!;
}

/** `shared` plus a component's own network, for its containers. */
export function withOwnNetwork(shared: NetworkNames, own: docker.Network | undefined, planned: PlannedNetwork | undefined): NetworkNames {
  return own && planned ? new Map([...shared, [planned.name, own.name]]) : shared;
}
