import type Docker from "dockerode";
import { randomBytes } from "node:crypto";
import {
  EgressObservation,
  EngineNamespace,
  DOCKER_API_PORTS,
  MeasuredProbe,
  ProbeReport,
  ProbeTarget,
  judgeEgress,
  judgeProbes,
  probeTargets,
  routedContainers,
} from "../../topology/probeVerdict";
import { sharedNamespaceMode } from "../../topology/policy";
import type { Plan } from "../../topology/types";
import { LEFTOVER_AGE_SECONDS, ProbeInterrupted, pool, probeRunner, removeLeftovers } from "./containers";
import { egressScript, parseEgress, parseTcpAnswers, tcpProbeScript } from "./script";

/**
 * `homelab audit <stack> --probe`, the Docker side: reads where the plan's containers run, probes from
 * inside each namespace with a short-lived container, and hands the answers to topology/probeVerdict.ts.
 */

export interface ProbeOptions {
  /** A small image with busybox `sh`, `nc`, `ip`, `sed` and `wget`. */
  image: string;
  /** Answers an HTTP GET with the caller's address as plain text. */
  echoUrl: string;
  /** Network mode of the reference probe that stands for the host (`host`, or `container:<id>`). */
  hostNetworkMode: string;
  /** Connect timeout of one probe, seconds. */
  timeoutSeconds: number;
  /** Probe containers at the same time. */
  concurrency: number;
  /** Engine names are this plus the planned name (the engine tests realise under a run prefix). */
  enginePrefix: string;
  dockerApiPorts: number[];
  leftoverAgeSeconds: number;
  signal?: AbortSignal;
  progress?: (done: number, total: number) => void;
}

/** busybox's official image, pinned; its wget speaks plain HTTP only (docker-library/busybox#25), hence the http echo default. */
export const DEFAULT_PROBE_IMAGE = "busybox:1.37.0";
/** ipify answers `GET /` with the caller's public address as plain text (https://www.ipify.org). */
export const DEFAULT_ECHO_URL = "http://api.ipify.org";

/** Options from the environment (HOMELAB_PROBE_*), defaults otherwise. */
export function probeOptionsFromEnv(env: NodeJS.ProcessEnv): ProbeOptions {
  const seconds = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${key} must be a positive number, got ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    image: env.HOMELAB_PROBE_IMAGE || DEFAULT_PROBE_IMAGE,
    echoUrl: env.HOMELAB_PROBE_ECHO_URL || DEFAULT_ECHO_URL,
    hostNetworkMode: env.HOMELAB_PROBE_HOST_NETWORK || "host",
    timeoutSeconds: seconds("HOMELAB_PROBE_TIMEOUT_SECONDS", 2),
    concurrency: Math.round(seconds("HOMELAB_PROBE_CONCURRENCY", 8)),
    enginePrefix: "",
    dockerApiPorts: DOCKER_API_PORTS,
    leftoverAgeSeconds: LEFTOVER_AGE_SECONDS,
  };
}

interface RunningContainer {
  id: string;
  info: Docker.ContainerInspectInfo;
}

/** Inspects the plan's running containers on the engine, by planned name. */
async function runningContainers(docker: Docker, plan: Plan, prefix: string): Promise<Map<string, RunningContainer>> {
  const listed = await docker.listContainers({ all: false });
  const byName = new Map(listed.map((c) => [(c.Names ?? [])[0]?.replace(/^\//, ""), c.Id]));
  const found = await Promise.all(
    plan.containers.map(async (c) => {
      const id = byName.get(`${prefix}${c.name}`);
      return id ? ([c.name, { id, info: await docker.getContainer(id).inspect() }] as const) : undefined;
    }),
  );
  return new Map(found.filter((f): f is NonNullable<typeof f> => f !== undefined));
}

function engineNamespaces(plan: Plan, running: Map<string, RunningContainer>, prefix: string): EngineNamespace[] {
  const unprefixed = (name: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  return plan.containers
    .filter((c) => !c.networkMode && running.has(c.name))
    .map((c) => ({
      owner: c.name,
      addresses: Object.entries(running.get(c.name)!.info.NetworkSettings.Networks ?? {})
        .filter(([, ep]) => ep.IPAddress)
        .map(([network, ep]) => ({ network: unprefixed(network), ip: ep.IPAddress, gateway: ep.Gateway })),
    }));
}

/** Groups targets by source namespace: one probe container each. */
function bySource(targets: ProbeTarget[]): Map<string, ProbeTarget[]> {
  const groups = new Map<string, ProbeTarget[]>();
  for (const t of targets) groups.set(t.from, [...(groups.get(t.from) ?? []), t]);
  return groups;
}

export async function probeHost(docker: Docker, stack: string, plan: Plan, options: ProbeOptions): Promise<ProbeReport> {
  const started = Date.now();
  await removeLeftovers(docker, options.leftoverAgeSeconds);
  await ensureImage(docker, options.image);
  const running = await runningContainers(docker, plan, options.enginePrefix);
  const namespaces = engineNamespaces(plan, running, options.enginePrefix);
  const targets = probeTargets(plan, namespaces, options.dockerApiPorts);
  const routed = routedContainers(plan).filter((r) => running.has(r.container));
  const runner = probeRunner(docker, options.image, randomBytes(4).toString("hex"), options.signal);
  const timeout = options.timeoutSeconds;
  // A probe container's budget: start, the slowest connection or download, stop.
  const budgetMs = (seconds: number) => (seconds * 2 + 20) * 1000;

  const tcp = (groups: Map<string, ProbeTarget[]>, seconds: number) =>
    [...groups].map(([owner, list]) => async () => {
      const out = await runner.run(sharedNamespaceMode(running.get(owner)!.id), tcpProbeScript(list, seconds), budgetMs(seconds));
      const answers = parseTcpAnswers(out, list.length);
      return list.map((t, i): MeasuredProbe => ({ ...t, reachable: answers[i] }));
    });
  const egress = (networkMode: string) => async () =>
    parseEgress(await runner.run(networkMode, egressScript(options.echoUrl, timeout * 2), budgetMs(timeout * 2)));

  const groups = bySource(targets);
  // The echo endpoint is asked only when a routed service runs: without one, nothing needs the host's address.
  const egressJobs =
    routed.length === 0 ? [] : [egress(options.hostNetworkMode), ...routed.map((r) => egress(sharedNamespaceMode(running.get(r.container)!.id)))];
  const total = groups.size + egressJobs.length;
  options.progress?.(0, total);
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      const removed = await runner.removeAll();
      if (options.signal?.aborted) throw new ProbeInterrupted(removed);
      throw e;
    }
  };

  const [measured, observed] = await guarded(async () => {
    const tcpJobs = tcp(groups, timeout);
    const results = await pool<MeasuredProbe[] | EgressObservation>([...tcpJobs, ...egressJobs], options.concurrency, options.signal, (done) =>
      options.progress?.(done, total),
    );
    if (options.signal?.aborted) throw new Error("interrupted");
    return [results.slice(0, tcpJobs.length).flat() as MeasuredProbe[], results.slice(tcpJobs.length) as EgressObservation[]];
  });

  // Under load a SYN can be lost, never invented: a needed path that did not answer is tried again, slower, before it counts.
  let judged = judgeProbes(plan, measured);
  const doubtful = judged.probes.filter((p) => p.verdict === "warning");
  if (doubtful.length > 0) {
    const again = (await guarded(() => pool(tcp(bySource(doubtful), timeout * 3), options.concurrency, options.signal))).flat();
    const key = (p: ProbeTarget) => `${p.from}>${p.ip}:${p.port}`;
    const answers = new Map(again.map((p) => [key(p), p.reachable]));
    judged = judgeProbes(
      plan,
      measured.map((p) => ({ ...p, reachable: answers.get(key(p)) ?? p.reachable })),
    );
  }
  const [host, ...fromRouted] = observed;
  return {
    stack,
    namespaces: namespaces.length,
    probes: judged.probes,
    neededFailures: judged.neededFailures,
    vpn: routed.map((r, i) => judgeEgress(r, fromRouted[i], host)),
    host,
    rechecked: doubtful.length,
    durationMs: Date.now() - started,
  };
}

/** Pulls the probe image when the engine does not have it yet. */
async function ensureImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch {
    // not there: pull it below
  }
  const stream = await docker.pull(image);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(new Error(`pulling the probe image ${image}: ${err.message}`)) : resolve())),
  );
}
