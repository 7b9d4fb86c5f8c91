import * as path from "node:path";
import type { ContainerSpec, MountSource, NameContext } from "../config/catalog";
import type { StackConfig } from "../config/schema";
import { DOCKER_SOCKET, joins, NETWORK_POLICY, policyLabels } from "./policy";
import { exposureOf } from "./routes";
import { SOCKET_PROXY, SOCKET_PROXY_PORT } from "../config/catalog";
import type { Naming } from "./naming";
import { isSecret, SecretEnvRef } from "../config/secret";
import type { PlannedContainer, PlannedMount, PlannedSecret, ResolvedService } from "./types";

/** Label naming the host ports the owner asked for (`publish`); the Pulumi policy pack allows exactly those. */
export const PUBLISHED_LABEL = "homelab.published";
/** The ports a container listens on (documentation for `docker inspect`; the engine tests wait for them). */
export const PORTS_LABEL = "homelab.ports";
/** Intel Quick Sync / VA-API: the render nodes under /dev/dri (https://jellyfin.org/docs/general/post-install/transcoding/hardware-acceleration/intel). */
const INTEL_RENDER_DEVICES = "/dev/dri";

export function containerSpecs(svc: ResolvedService): ContainerSpec[] {
  return [svc.entry.main, ...(svc.entry.companions ?? [])];
}

/** True when the service needs its own vnet-<service> (the socket proxy, for one, lives on vnet-socket only). */
export function needsOwnNetwork(svc: ResolvedService): boolean {
  return containerSpecs(svc).some((c) => NETWORK_POLICY[c.role].own === "always");
}

function mountFor(source: MountSource, cfg: StackConfig, names: Naming, service: string): Pick<PlannedMount, "source" | "type"> {
  switch (source.kind) {
    case "config":
      return { source: path.posix.join(cfg.paths.config, service, source.subpath ?? ""), type: "bind" };
    case "data":
      return { source: path.posix.join(cfg.paths.data, source.subpath ?? ""), type: "bind" };
    case "volume":
      return { source: names.volume(service, source.name), type: "volume" };
    case "docker-socket":
      return { source: DOCKER_SOCKET, type: "bind" };
  }
}

/**
 * The owner's `env` for a service's main container: plain values as they are; secret ones
 * (`pulumi config set --secret --path 'homelab:services.<svc>.env.<KEY>'`) as named config secrets the
 * Pulumi layer passes as secret env, so the plan (and `plan --json`) only ever names them.
 */
export function userEnv(svc: ResolvedService): { plain: Record<string, string>; secret: { key: string; secret: PlannedSecret & { source: "config" } }[] } {
  const plain: Record<string, string> = {};
  const secret: { key: string; secret: PlannedSecret & { source: "config" } }[] = [];
  for (const [key, value] of Object.entries(svc.config.env ?? {})) {
    if (!isSecret(value)) plain[key] = value;
    else
      secret.push({
        key,
        secret: { name: `${svc.name}-env-${key}`, source: "config", path: `homelab:services.${svc.name}.env.${key}`, value, purpose: `${key} of ${svc.name}` },
      });
  }
  return { plain, secret };
}

/** Turns one service's catalog containers into planned containers with networks, env and mounts resolved. */
export function planContainers(svc: ResolvedService, cfg: StackConfig, names: Naming, links: string[]): PlannedContainer[] {
  const ctx: NameContext = { container: (suffix = "") => names.container(svc.name, suffix), service: (name) => names.container(name), domain: cfg.domain };
  const dockerApi = !!svc.entry.dockerApi;
  const expose = exposureOf(svc);
  const specs = containerSpecs(svc);
  // The GPU goes to the containers that ask for it (Immich's machine learning), else to the main container.
  const gpuTakers = specs.some((s) => s.gpu) ? specs.filter((s) => s.gpu) : specs.slice(0, 1);
  const gpu = svc.config.gpu;
  return specs.map((spec): PlannedContainer => {
    const rule = NETWORK_POLICY[spec.role];
    const usesApi = dockerApi && spec.suffix === "";
    const networks = [
      ...(joins(rule.ingress, usesApi) ? [names.ingress] : []),
      ...(joins(rule.own, usesApi) ? [names.serviceNetwork(svc.name)] : []),
      ...(joins(rule.socket, usesApi) ? [names.socket] : []),
      ...(spec.suffix === "" ? links.map(names.linkNetwork) : []),
    ];
    const env: Record<string, string> = {
      TZ: cfg.timezone,
      ...(spec.linuxserver ? { PUID: String(cfg.puid), PGID: String(cfg.pgid) } : {}),
      ...(usesApi ? { DOCKER_HOST: `tcp://${names.container(SOCKET_PROXY)}:${SOCKET_PROXY_PORT}` } : {}),
      ...(spec.env?.(ctx) ?? {}),
      ...(spec.suffix === "" ? userEnv(svc).plain : {}),
    };
    const ports = [...(spec.port ? [spec.port] : []), ...(spec.extraPorts ?? [])];
    // The owner's LAN ports (homelab:services.<name>.publish), on the main container; validated in publishProblems.
    const published = spec.suffix === "" ? [...new Set(svc.config.publish ?? [])].sort((a, b) => a - b) : [];
    return {
      name: names.container(svc.name, spec.suffix),
      service: svc.name,
      image: spec.image,
      role: spec.role,
      networks,
      mounts: (spec.mounts ?? []).map((m) => ({ ...mountFor(m.source, cfg, names, svc.name), target: m.target, readOnly: m.readOnly ?? false })),
      env,
      secretEnv: spec.suffix === "" ? Object.fromEntries(userEnv(svc).secret.map((s) => [s.key, SecretEnvRef.secret(s.secret.name)])) : {},
      ports,
      hostPorts: [...(spec.hostPorts ?? []), ...published.map((p) => ({ internal: p, external: p }))],
      labels: {
        ...policyLabels({
          service: svc.name,
          role: spec.role,
          dockerApi: usesApi ? svc.entry.dockerApi : undefined,
          expose: spec.suffix === "" && svc.entry.main.port && expose !== "none" ? expose : undefined,
        }),
        ...(ports.length ? { [PORTS_LABEL]: ports.join(",") } : {}),
        ...(published.length ? { [PUBLISHED_LABEL]: published.join(",") } : {}),
      },
      healthcheck: spec.healthcheck,
      command: spec.command,
      devices: gpu === "intel" && gpuTakers.includes(spec) ? [...(spec.devices ?? []), INTEL_RENDER_DEVICES] : spec.devices,
      ...(gpu === "nvidia" && gpuTakers.includes(spec) ? { gpus: "all" } : {}),
      ...(spec.user ? { user: spec.user === "puid" ? `${cfg.puid}:${cfg.pgid}` : spec.user } : {}),
    };
  });
}
