import type { StackConfig } from "../config/schema";
import { DOZZLE, GLUETUN, HOMEPAGE, PORTAINER } from "../config/catalog";

/**
 * Where each service runs on a multi-host stack, decided once from the config: the allocator (which sizes the
 * networks that follow hosts), the dashboard (which Docker host each status comes from) and the placement
 * itself (topology/hosts.ts) all read it here.
 */

/** A service of the plan as placement sees it. */
export interface PlacedService {
  name: string;
  catalog?: string;
  dockerApi?: "read" | "write";
}

/** The first host of `homelab:hosts`: every service's default. */
export function firstHost(cfg: StackConfig): string | undefined {
  return Object.keys(cfg.hosts ?? {})[0];
}

/**
 * Each service's host: its `host` (an unknown one falls back to the first host; topology/hosts.ts reports it),
 * else the first host; a service routed through Gluetun runs where Gluetun runs (it shares its namespace).
 * Undefined without `homelab:hosts`.
 */
export function serviceHosts(cfg: StackConfig, services: readonly PlacedService[], routed: ReadonlySet<string>): Map<string, string> | undefined {
  const first = firstHost(cfg);
  if (!first) return undefined;
  const known = new Set(Object.keys(cfg.hosts ?? {}));
  const configured = (service: string) => {
    const host = cfg.services[service]?.host;
    return host && known.has(host) ? host : first;
  };
  const gatewayHost = configured(GLUETUN);
  return new Map(services.map((s) => [s.name, routed.has(s.name) ? gatewayHost : configured(s.name)]));
}

/**
 * Dashboards that read other hosts' engines directly, through those hosts' socket proxies. Homepage lists several
 * engines in docker.yaml (gethomepage/homepage@v1.5.0 docs/configs/docker.md); Portainer adds each as a Docker API
 * environment (portainer/portainer@2.23.0 api/http/handler/endpoints/endpoint_create.go). Dozzle does not: it has its
 * own agents (amir20/dozzle@v8.14.5 docs/guide/agent.md).
 */
export const REMOTE_ENGINE_READERS = [HOMEPAGE, PORTAINER];

/** The name of a per-host copy of a container (the socket proxy on each host that needs one). */
export const onHost = (container: string, host: string) => `${container}-${host}`;

/** The allocation key (and the unprefixed network name) of the overlay that carries remote reads of `host`'s engine. */
export const remoteSocketKey = (host: string) => `vnet-socket-${host}`;

/** The hosts that run at least one service, in `homelab:hosts` order. */
export function busyHosts(cfg: StackConfig, hostOf: ReadonlyMap<string, string>): string[] {
  const used = new Set(hostOf.values());
  return Object.keys(cfg.hosts ?? {}).filter((h) => used.has(h));
}

/**
 * For every host whose engine a dashboard on another host reads: those dashboards (services with a Docker API
 * need, in REMOTE_ENGINE_READERS). Empty on a single-host stack.
 */
export function remoteEngineReads(
  cfg: StackConfig,
  services: readonly PlacedService[],
  hostOf: ReadonlyMap<string, string> | undefined,
): Map<string, string[]> {
  const reads = new Map<string, string[]>();
  if (!hostOf) return reads;
  const readers = services.filter((s) => s.dockerApi && REMOTE_ENGINE_READERS.includes(s.catalog ?? ""));
  for (const host of busyHosts(cfg, hostOf)) {
    const remote = readers.filter((r) => hostOf.get(r.name) !== host).map((r) => r.name);
    if (remote.length) reads.set(host, remote);
  }
  return reads;
}

/** The hosts other than Dozzle's own that get a Dozzle agent (every other host that runs something). */
export function dozzleAgentHosts(cfg: StackConfig, services: readonly PlacedService[], hostOf: ReadonlyMap<string, string> | undefined): string[] {
  const dozzle = services.find((s) => s.catalog === DOZZLE && s.dockerApi);
  if (!dozzle || !hostOf) return [];
  return busyHosts(cfg, hostOf).filter((h) => h !== hostOf.get(dozzle.name));
}

/** What the hosts add to a plan before placement: every service's host, remote engine reads and Dozzle's agents. */
export interface HostReach {
  hostOf?: ReadonlyMap<string, string>;
  remoteReads: ReadonlyMap<string, string[]>;
  dozzleAgents: string[];
}

export const NO_HOSTS: HostReach = { remoteReads: new Map(), dozzleAgents: [] };

export function hostReach(cfg: StackConfig, services: readonly PlacedService[], routed: ReadonlySet<string>): HostReach {
  const hostOf = serviceHosts(cfg, services, routed);
  if (!hostOf) return NO_HOSTS;
  return { hostOf, remoteReads: remoteEngineReads(cfg, services, hostOf), dozzleAgents: dozzleAgentHosts(cfg, services, hostOf) };
}
