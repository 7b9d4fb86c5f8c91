import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { compareEnvNames } from "../topology/order";
import type { PlannedContainer } from "../topology/types";
import type { NetworkNames } from "./networkArgs";

/**
 * Hardening every container gets: no privilege escalation, restart unless stopped, rotated logs.
 * A plain function rather than a Pulumi transform, because transforms do not run under mocks and the
 * tests must see exactly what is registered.
 */
export const HARDENING = {
  restart: "unless-stopped",
  securityOpts: ["no-new-privileges:true"],
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
} as const;

const sortedEntries = (o: Record<string, string>) => Object.entries(o).sort(([a], [b]) => compareEnvNames(a, b));

/** The docker.Container inputs for one planned container; values are sorted so a re-run never reorders them. */
export function containerArgs(
  c: PlannedContainer,
  image: pulumi.Input<string>,
  networkNames: NetworkNames,
  secretEnv: Record<string, pulumi.Input<string>> = {},
  uploads: docker.types.input.ContainerUpload[] = [],
): docker.ContainerArgs {
  const env = sortedEntries(c.env).map(([k, v]) => `${k}=${v}`);
  const secrets = Object.keys(secretEnv)
    .sort()
    .map((k) => pulumi.interpolate`${k}=${secretEnv[k]}`);
  return {
    name: c.name,
    image,
    hostname: c.networkMode ? undefined : c.name,
    networkMode: c.networkMode,
    networksAdvanced: c.networkMode
      ? undefined
      : c.networks.map((n) => ({
          name: networkNames.get(n) ?? n,
          aliases: [c.name, ...(c.networkAliases?.[n] ?? [])],
          ...(c.addresses?.[n] ? { ipv4Address: c.addresses[n] } : {}),
        })),
    envs: secrets.length ? pulumi.secret(pulumi.all(secrets).apply((s) => [...env, ...s])) : env,
    labels: sortedEntries(c.labels).map(([label, value]) => ({ label, value })),
    mounts: c.mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly })),
    ports: c.hostPorts.map((p) => ({ internal: p.internal, external: p.external, protocol: p.protocol ?? "tcp" })),
    healthcheck: c.healthcheck
      ? {
          tests: c.healthcheck.test,
          interval: c.healthcheck.interval,
          timeout: c.healthcheck.timeout,
          retries: c.healthcheck.retries,
          startPeriod: c.healthcheck.startPeriod,
        }
      : undefined,
    command: c.command,
    entrypoints: c.entrypoint,
    devices: c.devices?.length ? c.devices.map((d) => ({ hostPath: d, containerPath: d })) : undefined,
    gpus: c.gpus,
    user: c.user,
    uploads: uploads.length ? uploads : undefined,
    capabilities: c.capabilities ? { adds: c.capabilities } : undefined,
    ...HARDENING,
    logOpts: { ...HARDENING.logOpts },
    securityOpts: [...HARDENING.securityOpts],
  };
}
