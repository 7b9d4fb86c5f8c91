import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";
import { parseYaml } from "../config/yaml";
import { resolveDockerHost, type DockerHost } from "../config/dockerHost";
import { stackFilePath } from "../config/load";
import { auditFindings, EngineSnapshot, Finding } from "../topology/audit";
import { reportFindings } from "../topology/probeVerdict";
import type { Plan } from "../topology/types";
import { planOnHost } from "../topology/hosts";
import { table } from "./format";
import type { Io } from "./io";
import { ProbeOptions, probeHost, probeOptionsFromEnv } from "./probe";
import { ProbeInterrupted } from "./probe/containers";
import { withTimeout } from "./timeout";
import { formatProbeReport } from "./probe/format";

/** The engine a stack's audit and probe read: the one its Docker provider manages (config/dockerHost.ts). */
export function stackDockerHost(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): DockerHost {
  const file = stackFilePath(projectDir, stack);
  const doc = fs.existsSync(file) ? (parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null) : null;
  return resolveDockerHost({ host: doc?.config?.["docker:host"], certPath: doc?.config?.["docker:certPath"] }, env);
}

/** dockerode's options for a host URL (the forms the Docker CLI accepts in DOCKER_HOST). */
export function dockerOptions(url: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 20000, certPath?: string): Docker.DockerOptions {
  if (url.startsWith("unix://")) return { socketPath: url.slice("unix://".length) || "/var/run/docker.sock", timeout: timeoutMs };
  if (url.startsWith("npipe://")) return { socketPath: url.slice("npipe://".length) || "//./pipe/docker_engine", timeout: timeoutMs };
  let parsed: URL;
  try {
    parsed = new URL(url.includes("://") ? url : `tcp://${url}`);
  } catch {
    throw new Error(`docker host ${JSON.stringify(url)} is not a URL like unix:///var/run/docker.sock, tcp://nas:2375 or ssh://user@nas`);
  }
  if (parsed.protocol === "ssh:")
    return {
      protocol: "ssh",
      host: parsed.hostname,
      port: parsed.port || 22,
      username: decodeURIComponent(parsed.username) || undefined,
      sshOptions: { agent: env.SSH_AUTH_SOCK },
      timeout: timeoutMs,
    };
  if (parsed.protocol === "tcp:" || parsed.protocol === "http:" || parsed.protocol === "https:") {
    const port = parsed.port || (parsed.protocol === "https:" ? "2376" : "2375");
    const tls = parsed.protocol === "https:" || env.DOCKER_TLS_VERIFY === "1" || port === "2376";
    const certs = tls && certPath ? tlsFiles(certPath) : {};
    return { protocol: tls ? "https" : "http", host: parsed.hostname, port, ...certs, timeout: timeoutMs };
  }
  throw new Error(`docker host ${JSON.stringify(url)}: unsupported scheme ${parsed.protocol} (use unix://, tcp:// or ssh://)`);
}

/** The client certificate in a Docker TLS folder (`docker:certPath`, DOCKER_CERT_PATH). */
function tlsFiles(dir: string): Pick<Docker.DockerOptions, "ca" | "cert" | "key"> {
  const read = (f: string) => fs.readFileSync(path.join(dir, f));
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}

function containerName(names: string[], id: string): string {
  const own = names.find((n) => n.lastIndexOf("/") === 0) ?? names[0];
  return own ? own.replace(/^\//, "") : id;
}

/** Everything the audit compares, in two list calls (no per-container inspect). */
export async function readEngineSnapshot(docker: Docker): Promise<EngineSnapshot> {
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true }), docker.listNetworks()]);
  return {
    containers: containers.map((c) => ({
      id: c.Id,
      name: containerName(c.Names ?? [], c.Id),
      state: c.State,
      labels: c.Labels ?? {},
      networkMode: c.HostConfig?.NetworkMode ?? "",
      networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort(),
      mounts: (c.Mounts ?? []).map((m) => ({ source: m.Source, target: m.Destination, readOnly: !m.RW, type: m.Type })),
      hostPorts: [...new Set((c.Ports ?? []).map((p) => p.PublicPort).filter((p): p is number => !!p))],
    })),
    networks: networks.map((n) => ({
      id: n.Id,
      name: n.Name,
      subnets: (n.IPAM?.Config ?? []).map((cfg) => cfg.Subnet).filter((s): s is string => !!s),
      labels: n.Labels ?? {},
    })),
  };
}

export function formatFindings(findings: Finding[]): string {
  return table([["KIND", "OBJECT", "EXPECTED", "ACTUAL"], ...findings.map((f) => [f.kind, f.object, f.expected, f.actual])]);
}

/** The engine the stack's audit reads, or undefined after saying why it cannot be reached. */
function connect(projectDir: string, stack: string, io: Io, env: NodeJS.ProcessEnv): { docker: Docker; host: DockerHost; timeoutMs: number } | undefined {
  const timeoutMs = Number(env.HOMELAB_DOCKER_TIMEOUT_SECONDS ?? 20) * 1000;
  try {
    const host = stackDockerHost(projectDir, stack, env);
    return { docker: new Docker(dockerOptions(host.url, env, timeoutMs, host.certPath)), host, timeoutMs };
  } catch (e) {
    io.err(`homelab: cannot read the docker host of stack ${stack}: ${(e as Error).message}`);
    return undefined;
  }
}

/** `homelab audit <stack>`: 0 when the engine matches the plan and the policy, 1 with a table of findings (or when the engine cannot be read). */
export async function audit(projectDir: string, stack: string, plan: Plan, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (plan.hosts) return auditHosts(stack, plan, io, env);
  const engine = connect(projectDir, stack, io, env);
  if (!engine) return 1;
  const { docker, host, timeoutMs } = engine;
  let snapshot: EngineSnapshot;
  try {
    snapshot = await withTimeout(readEngineSnapshot(docker), timeoutMs, `the Docker engine at ${host.url}`);
  } catch (e) {
    io.err(`homelab: cannot audit stack ${stack}: the Docker engine at ${host.url} (from ${host.source}) is not reachable: ${(e as Error).message}`);
    return 1;
  }
  const findings = auditFindings(plan, snapshot);
  if (findings.length === 0) {
    io.out(
      `audit ${stack}: clean — ${plan.containers.length} containers and ${plan.networks.length} networks match the plan and the network policy on ${host.url}`,
    );
    return 0;
  }
  io.out(`audit ${stack}: ${findings.length} finding${findings.length === 1 ? "" : "s"} on ${host.url} (from ${host.source})\n\n${formatFindings(findings)}`);
  return 1;
}

/**
 * A multi-host stack: every host's engine against its slice of the plan (its containers, its networks, the
 * overlays it takes part in), all hosts read at once. 0 only when every host is reachable and clean.
 */
async function auditHosts(stack: string, plan: Plan, io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const timeoutMs = Number(env.HOMELAB_DOCKER_TIMEOUT_SECONDS ?? 20) * 1000;
  const results = await Promise.all(
    plan.hosts!.map(async (h) => {
      const slice = planOnHost(plan, h.name);
      try {
        const docker = new Docker(dockerOptions(h.docker, env, timeoutMs));
        const snapshot = await withTimeout(readEngineSnapshot(docker), timeoutMs, `the Docker engine at ${h.docker}`);
        return { h, slice, findings: auditFindings(slice, snapshot) };
      } catch (e) {
        return { h, slice, error: (e as Error).message };
      }
    }),
  );
  let failed = false;
  for (const r of results) {
    if ("error" in r) {
      failed = true;
      io.err(`homelab: cannot audit host '${r.h.name}' of stack ${stack}: the Docker engine at ${r.h.docker} is not reachable: ${r.error}`);
    } else if (r.findings!.length === 0) {
      io.out(
        `audit ${stack} on ${r.h.name}: clean — ${r.slice.containers.length} containers and ${r.slice.networks.length} networks match the plan and the network policy on ${r.h.docker}`,
      );
    } else {
      failed = true;
      io.out(
        `audit ${stack} on ${r.h.name}: ${r.findings!.length} finding${r.findings!.length === 1 ? "" : "s"} on ${r.h.docker}\n\n${formatFindings(r.findings!)}`,
      );
    }
  }
  return failed ? 1 : 0;
}

export interface ProbeIo extends Io {
  /** Called as probe containers finish (first with done = 0). */
  progress?: (done: number, total: number) => void;
}

/**
 * `homelab audit <stack> --probe`: measures isolation and VPN egress from inside the running containers.
 * 0 when nothing unexpected answers and no routed service leaks, 1 otherwise; 130 when interrupted (the
 * probe containers are removed first). Warnings (a needed path that does not answer) do not fail it.
 */
export async function auditProbe(
  projectDir: string,
  stack: string,
  plan: Plan,
  io: ProbeIo,
  options: { json: boolean; signal?: AbortSignal; overrides?: Partial<ProbeOptions> },
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const engine = connect(projectDir, stack, io, env);
  if (!engine) return 1;
  let probeOptions;
  try {
    probeOptions = probeOptionsFromEnv(env);
  } catch (e) {
    io.err(`homelab: ${(e as Error).message}`);
    return 1;
  }
  try {
    const report = await probeHost(engine.docker, stack, plan, { ...probeOptions, ...options.overrides, signal: options.signal, progress: io.progress });
    io.out(options.json ? JSON.stringify(report, null, 2) : formatProbeReport(report));
    return reportFindings(report).findings > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof ProbeInterrupted) {
      io.err(`homelab: probe of ${stack} ${e.message}`);
      return 130;
    }
    io.err(`homelab: cannot probe stack ${stack} on ${engine.host.url} (from ${engine.host.source}): ${(e as Error).message}`);
    return 1;
  }
}
