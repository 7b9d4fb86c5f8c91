import { sharedNamespaceOwner } from "../policy/networkPolicy";
import type { Plan, PlannedContainer } from "./types";

/**
 * The reachability the plan predicts. A container reaches another's address on a network iff both
 * their network namespaces are members of that network; containers that share a namespace
 * (`container:<name>`) reach and are reached through their owner's memberships. Pure: the engine
 * tests compare it with a matrix measured by exec, `homelab audit --probe` with one measured by probe
 * containers.
 */

/** The planned container whose network namespace `container` lives in (itself unless it shares one). */
export function namespaceOwner(plan: Plan, container: string): PlannedContainer | undefined {
  const byName = new Map(plan.containers.map((c) => [c.name, c]));
  let c = byName.get(container);
  for (let hops = 0; hops < 8; hops++) {
    const owner = sharedNamespaceOwner(c?.networkMode);
    if (owner === undefined) break;
    c = byName.get(owner);
  }
  return c;
}

/** Networks of a planned container's namespace: its own, or those of the container it shares. */
export function plannedNetworks(plan: Plan, container: string): string[] {
  return [...(namespaceOwner(plan, container)?.networks ?? [])];
}

/**
 * Whether the plan lets `from` reach `to`'s address on `network`: both namespaces are planned on it and,
 * on a multi-host stack, on the same copy of it: a local network on several hosts (vnet-socket) is one
 * separate bridge per host; only an overlay joins hosts.
 */
export function planAllows(plan: Plan, from: string, to: string, network: string): boolean {
  if (!plannedNetworks(plan, from).includes(network) || !plannedNetworks(plan, to).includes(network)) return false;
  if (!plan.hosts) return true;
  const spans = plan.networks.find((n) => n.name === network)?.driver === "overlay";
  return spans || namespaceOwner(plan, from)?.host === namespaceOwner(plan, to)?.host;
}

/** The planned containers living in a namespace owner's namespace, the owner first. */
export function namespaceMembers(plan: Plan, owner: string): PlannedContainer[] {
  return plan.containers.filter((c) => namespaceOwner(plan, c.name)?.name === owner).sort((a, b) => (a.name === owner ? -1 : b.name === owner ? 1 : 0));
}

/** A connection the stack depends on: when none of its addresses answers, something is broken. */
export interface NeededPath {
  from: string;
  to: string;
  port: number;
  why: string;
}

/** `name:port` (a route upstream) or `scheme://name:port` (an endpoint, a tunnel origin). */
function hostPort(target: string): { host: string; port: number } | undefined {
  const m = /^(?:[a-z]+:\/\/)?([^:/]+):(\d+)$/.exec(target);
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}

/**
 * The paths the plan needs: the proxy to every route's upstream, the tunnel connector to its origins,
 * the socket proxy's consumers to the socket proxy, and a service's containers to its own database and cache.
 */
export function neededPaths(plan: Plan): NeededPath[] {
  const names = new Set(plan.containers.map((c) => c.name));
  const paths: NeededPath[] = [];
  const add = (from: string, target: string, why: string) => {
    const hp = hostPort(target);
    if (hp && names.has(hp.host) && names.has(from) && from !== hp.host) paths.push({ from, to: hp.host, port: hp.port, why });
  };
  for (const proxy of plan.containers.filter((c) => c.role === "proxy"))
    for (const r of plan.routes) add(proxy.name, r.upstream, `the proxy routes ${r.host} there`);
  if (plan.tunnel) for (const rule of plan.tunnel.ingress) add(plan.tunnel.connector, rule.service, `the tunnel sends ${rule.hostname ?? "traffic"} there`);
  const sp = plan.socketProxy;
  if (sp) {
    for (const consumer of sp.consumers) {
      for (const c of plan.containers.filter((x) => x.service === consumer.service && x.role !== "database" && x.role !== "cache"))
        add(c.name, sp.endpoint, `${consumer.service} reads the Docker API there`);
    }
  }
  for (const store of plan.containers.filter((c) => c.role === "database" || c.role === "cache")) {
    for (const c of plan.containers.filter((x) => x.service === store.service && x.name !== store.name && x.role !== "database" && x.role !== "cache")) {
      for (const port of store.ports) add(c.name, `${store.name}:${port}`, `${store.service} uses its ${store.role}`);
    }
  }
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = `${p.from}>${p.to}:${p.port}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
