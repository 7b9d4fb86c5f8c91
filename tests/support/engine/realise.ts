/**
 * Realises the Docker resources a program registered (under Pulumi mocks) on a real engine, and
 * tears them down again. The input → Engine API translation is the pure `engineMapping.ts`; this
 * file only orders the calls and does the I/O.
 *
 * Every realised object is named `hlt-<runId>-<name>` and labelled `homelab.test-run=<runId>`, so
 * concurrent runs cannot collide and `teardown({ runId })` can clean up after a crashed run.
 */
import Docker from "dockerode";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { withTimeout } from "../../../cli/timeout";
import {
  ContainerSpec,
  DEFAULT_BRIDGE,
  DOCKER_TYPES,
  EngineSpec,
  HARNESS_IMAGE,
  LABELS,
  MappingContext,
  MappingError,
  RegisteredResource,
  containerDependencies,
  toEngineSpec,
  unwrapSecrets,
} from "./engineMapping";

export interface RealiseOptions {
  runId: string;
  /** Free label (e.g. the stack name) stored on every object, to tell realised sets apart. */
  group?: string;
  docker?: Docker;
  image?: string;
  /** Logical names of networks another engine of the same swarm creates (an overlay): mapped, not created here. */
  elsewhere?: ReadonlySet<string>;
  /** The socket of the engine realised on, when not the default one (mounted where the program mounts the Docker socket). */
  dockerSocket?: string;
}

export interface RealisedObject {
  /** The program's reference: the mock id of the registered resource. */
  ref: string;
  logicalName: string;
  /** Realised (prefixed) name on the engine. */
  name: string;
  id: string;
}

export interface RealisedContainer extends RealisedObject {
  listenPorts: number[];
  /** Logical name of the container whose network namespace this one shares. */
  netnsOwner?: string;
}

export interface Realised {
  runId: string;
  prefix: string;
  workDir: string;
  networks: RealisedObject[];
  volumes: RealisedObject[];
  containers: RealisedContainer[];
  /** Inputs understood but not realised, per container (for the test log). */
  notes: string[];
}

const RUN_ID = /^[a-z0-9]{1,16}$/;

export function newRunId(): string {
  return randomBytes(4).toString("hex");
}

export function runPrefix(runId: string): string {
  return `hlt-${runId}-`;
}

/** Per-run folder on the host: mirrored bind sources live here. */
export function runWorkDir(runId: string): string {
  return path.join(os.tmpdir(), `homelab-engine-${runId}`);
}

/** No engine call may wait longer than this for an answer (a hung daemon must fail the run, not stall it). */
export const ENGINE_TIMEOUT_MS = 30_000;

export function connectEngine(): Docker {
  // Honours DOCKER_HOST, defaults to /var/run/docker.sock.
  return new Docker({ timeout: ENGINE_TIMEOUT_MS });
}

function dockerSocketPath(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith("unix://") ? host.slice("unix://".length) : "/var/run/docker.sock";
}

/** Whether the engine answers and has the stand-in image; the reason when it does not. */
export async function engineStatus(docker = connectEngine(), image = HARNESS_IMAGE): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await withTimeout(docker.ping(), 3000, "docker ping");
  } catch (e) {
    return { ok: false, reason: `no Docker engine answers (${(e as Error).message}); run .ci/engine-setup.sh` };
  }
  try {
    await withTimeout(docker.listNetworks(), 5000, "docker network ls");
  } catch (e) {
    return {
      ok: false,
      reason:
        `the engine answers but its network calls do not (${(e as Error).message}): Debian's docker.io 20.10.24 ` +
        `can deadlock in libnetwork (moby/moby#46661); run .ci/engine-setup.sh to restart dockerd`,
    };
  }
  try {
    await docker.getImage(image).inspect();
  } catch {
    return { ok: false, reason: `image ${image} is missing; run .ci/engine-setup.sh` };
  }
  return { ok: true };
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `sh -c script` in a container, bounded by `timeoutMs`. */
export async function execIn(docker: Docker, containerId: string, script: string, timeoutMs = 10_000): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ["/bin/sh", "-c", script],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
  out.on("data", (b: Buffer) => chunks.out.push(b));
  err.on("data", (b: Buffer) => chunks.err.push(b));
  docker.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  try {
    await withTimeout(ended, timeoutMs, `exec in ${containerId.slice(0, 12)}`);
  } catch (e) {
    stream.destroy();
    throw e;
  }
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(chunks.out).toString("utf8"),
    stderr: Buffer.concat(chunks.err).toString("utf8"),
  };
}

/**
 * The two ways dockerd fails a container start or a network attach on a swarm overlay while the swarm is still
 * settling, seen on the loaded two-core machine in the two-host suite (each time the same file passed alone):
 * its own "context deadline exceeded" while the manager allocates the attachment, and "network <id> not found" on a
 * worker that has not yet learned of an overlay the manager just created.
 */
const TRANSIENT = /context deadline exceeded|network \S+ not found/i;

/** Retries (bounded, with a growing pause) a start or attach that failed in a TRANSIENT way; any other error is thrown at once. */
async function retryTransient(call: () => Promise<unknown>, attempts = 5): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await call();
      return;
    } catch (e) {
      // A retry of a call the daemon finished after all: the container runs, the endpoint exists.
      if (i > 1 && (isStatus(e, 304) || /already exists/i.test((e as Error).message))) return;
      if (i >= attempts || !TRANSIENT.test((e as Error).message)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000 * i));
    }
  }
}

/** Like Promise.all, but waits for every promise to settle before rethrowing the first error. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function isStatus(e: unknown, ...codes: number[]): boolean {
  return codes.includes((e as { statusCode?: number })?.statusCode ?? -1);
}

/** Orders containers so that each comes after the container whose namespace it joins. */
export function containerLevels(containers: RegisteredResource[]): RegisteredResource[][] {
  const byRef = new Map<string, RegisteredResource>();
  for (const c of containers) {
    byRef.set(c.id, c);
    const name = unwrapSecrets(c.inputs?.name);
    if (typeof name === "string") byRef.set(name, c);
  }
  const level = new Map<RegisteredResource, number>();
  const visit = (c: RegisteredResource, trail: RegisteredResource[]): number => {
    const known = level.get(c);
    if (known !== undefined) return known;
    if (trail.includes(c)) throw new MappingError(`networkMode cycle: ${[...trail, c].map((r) => r.name).join(" -> ")}`);
    const deps = containerDependencies(c)
      .map((ref) => byRef.get(ref))
      .filter((d): d is RegisteredResource => d !== undefined);
    const l = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => visit(d, [...trail, c])));
    level.set(c, l);
    return l;
  };
  containers.forEach((c) => visit(c, []));
  const levels: RegisteredResource[][] = [];
  for (const c of containers) (levels[level.get(c)!] ??= []).push(c);
  return levels;
}

/**
 * Creates the networks, then the volumes, then the containers (each after the container whose
 * namespace it joins), starts them and waits, bounded, until every listener answers.
 * Every input is mapped before anything is created: one error lists every problem. On failure,
 * whatever was created is removed before the error is rethrown.
 */
/** The pure half of realise: every input mapped to engine bodies (throws one MappingError listing every problem). */
function mapResources(resources: RegisteredResource[], options: RealiseOptions) {
  const { runId } = options;
  if (!RUN_ID.test(runId)) throw new Error(`runId must match ${RUN_ID}, got ${JSON.stringify(runId)}`);
  const docker = options.docker ?? connectEngine();
  const prefix = runPrefix(runId);
  const workDir = runWorkDir(runId);
  const dockerResources = resources.filter((r) => r.type.startsWith("docker:"));
  const ofType = (t: string) => dockerResources.filter((r) => r.type === t);

  // References the program can use for another resource: its mock id or its docker name.
  const refsOf = (r: RegisteredResource): string[] => {
    const name = unwrapSecrets(r.inputs?.name);
    return [r.id, ...(typeof name === "string" && name !== "" ? [name] : [r.name])];
  };
  const refMap = (list: RegisteredResource[], value: (r: RegisteredResource) => string) =>
    new Map(list.flatMap((r) => refsOf(r).map((ref) => [ref, value(r)] as const)));
  const logical = (r: RegisteredResource) => refsOf(r)[1];
  const networks = refMap(ofType(DOCKER_TYPES.network), (r) => `${prefix}${logical(r)}`);
  networks.set(DEFAULT_BRIDGE, `${prefix}${DEFAULT_BRIDGE}`);
  const containerIds = refMap(ofType(DOCKER_TYPES.container), (r) => `pending-${r.id}`);
  const devicePaths = ofType(DOCKER_TYPES.container).flatMap((r) =>
    (unwrapSecrets(r.inputs?.devices) ?? []).map((d: { hostPath?: unknown }) => String(d?.hostPath)),
  );
  const ctx: MappingContext = {
    runId,
    prefix,
    startedAt: String(Date.now()),
    owner: String(process.pid),
    group: options.group,
    image: options.image ?? HARNESS_IMAGE,
    networks,
    volumes: refMap(ofType(DOCKER_TYPES.volume), (r) => `${prefix}${logical(r)}`),
    containers: containerIds,
    bindRoot: path.join(workDir, "binds"),
    dockerSocket: options.dockerSocket ?? dockerSocketPath(),
    hostDevices: new Set(devicePaths.filter((p) => existsSync(p))),
  };

  // 1. Map everything first (pure): all problems at once, nothing created yet.
  const problems: string[] = [];
  const specs: EngineSpec[] = [];
  for (const r of dockerResources) {
    try {
      specs.push(toEngineSpec(r, ctx));
    } catch (e) {
      if (!(e instanceof MappingError)) throw e;
      problems.push(e.message);
    }
  }
  const names = new Map<string, string>();
  for (const s of specs) {
    if (s.kind === "nothing") continue;
    const key = `${s.kind}:${s.logicalName}`;
    if (names.has(key)) problems.push(`two ${s.kind}s named ${JSON.stringify(s.logicalName)}: ${names.get(key)} and ${s.ref}`);
    names.set(key, s.ref);
  }
  let levels: RegisteredResource[][] = [];
  try {
    levels = containerLevels(ofType(DOCKER_TYPES.container));
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length > 0) throw new MappingError(`cannot realise ${problems.length} input(s):\n  ${problems.join("\n  ")}`);
  const harnessLabels = {
    [LABELS.run]: runId,
    [LABELS.started]: ctx.startedAt,
    [LABELS.owner]: ctx.owner,
    ...(options.group ? { [LABELS.group]: options.group } : {}),
  };
  return {
    runId,
    docker,
    prefix,
    workDir,
    ctx,
    specs,
    levels,
    refsOf,
    networks,
    containerIds,
    harnessLabels,
    elsewhere: options.elsewhere ?? new Set<string>(),
  };
}

/** Network and volume bodies to create, including the default-bridge stand-in and implicit volumes. */
function objectBodies(mapped: ReturnType<typeof mapResources>) {
  const { specs, networks, harnessLabels, prefix } = mapped;
  const containerSpecs = specs.filter((s): s is ContainerSpec => s.kind === "container");
  const networkBodies = specs.flatMap((s) =>
    s.kind === "network" && !mapped.elsewhere.has(s.logicalName) ? [{ ref: s.ref, logicalName: s.logicalName, body: s.body }] : [],
  );
  if (containerSpecs.some((s) => s.usesDefaultBridge)) {
    networkBodies.push({
      ref: DEFAULT_BRIDGE,
      logicalName: DEFAULT_BRIDGE,
      body: { Name: networks.get(DEFAULT_BRIDGE)!, CheckDuplicate: true, Driver: "bridge", Labels: { ...harnessLabels, [LABELS.name]: DEFAULT_BRIDGE } },
    });
  }
  const volumeBodies = specs.flatMap((s) => (s.kind === "volume" ? [{ ref: s.ref, logicalName: s.logicalName, body: s.body }] : []));
  const declared = new Set(volumeBodies.map((v) => v.body.Name));
  for (const name of new Set(containerSpecs.flatMap((s) => s.implicitVolumes))) {
    if (declared.has(name)) continue;
    const logicalName = name.slice(prefix.length);
    volumeBodies.push({ ref: logicalName, logicalName, body: { Name: name, Driver: "local", Labels: { ...harnessLabels, [LABELS.name]: logicalName } } });
  }
  return { containerSpecs, networkBodies, volumeBodies };
}

/**
 * Realisations and reconciliations under way, by run id. A test that times out leaves its realise running;
 * the suite's teardown then waits for it (and stops it at the next step) instead of racing it, which once
 * left a stack's networks behind, holding its fixed subnets, and failed every later suite on that stack.
 */
const inFlight = new Map<string, Promise<unknown>>();
const stopping = new Set<string>();

function track<T>(runId: string, work: () => Promise<T>): Promise<T> {
  if (inFlight.has(runId)) throw new Error(`run ${runId} is already being realised or reconciled`);
  const promise = work();
  inFlight.set(runId, promise);
  promise.then(
    () => inFlight.delete(runId),
    () => inFlight.delete(runId),
  );
  return promise;
}

/** Throws once a teardown of the run has begun, so a realise that outlived its test stops creating. */
function checkNotStopping(runId: string): void {
  if (stopping.has(runId)) throw new Error(`run ${runId} is being torn down`);
}

/** How long a teardown waits for the run's realise to stop before removing what exists. */
const IN_FLIGHT_WAIT_MS = 120_000;

export function realise(resources: RegisteredResource[], options: RealiseOptions): Promise<Realised> {
  return track(options.runId, () => realiseRun(resources, options));
}

async function realiseRun(resources: RegisteredResource[], options: RealiseOptions): Promise<Realised> {
  const mapped = mapResources(resources, options);
  const { runId, docker, prefix, workDir, ctx, levels, refsOf, containerIds } = mapped;
  const { containerSpecs, networkBodies, volumeBodies } = objectBodies(mapped);
  const realised: Realised = {
    runId,
    prefix,
    workDir,
    networks: [],
    volumes: [],
    containers: [],
    notes: containerSpecs.flatMap((s) => s.notes.map((n) => `${s.logicalName}: ${n}`)),
  };

  try {
    // 2. Networks (plus the per-run stand-in for the default bridge when a container uses it).
    realised.networks = await settleAll(
      networkBodies.map(async ({ ref, logicalName, body }) => {
        try {
          const net = await docker.createNetwork(body);
          return { ref, logicalName, name: body.Name, id: net.id };
        } catch (e) {
          throw new Error(`creating network ${logicalName} (${JSON.stringify(body.IPAM?.Config ?? [])}): ${(e as Error).message}`);
        }
      }),
    );

    // 3. Volumes, declared and implicit.
    checkNotStopping(runId);
    realised.volumes = await settleAll(
      volumeBodies.map(async ({ ref, logicalName, body }) => {
        const vol = await docker.createVolume(body);
        return { ref, logicalName, name: body.Name!, id: (vol as unknown as { name: string }).name ?? body.Name! };
      }),
    );

    // 4. Containers, level by level; re-mapped with the real ids of namespace owners.
    for (const dir of containerSpecs.flatMap((s) => s.bindDirs)) mkdirSync(dir, { recursive: true });
    const logicalByRef = new Map(containerSpecs.map((s) => [s.ref, s.logicalName]));
    for (const level of levels) {
      checkNotStopping(runId);
      const created = await settleAll(
        level.map(async (r) => {
          const spec = toEngineSpec(r, ctx) as ContainerSpec;
          const container = await docker.createContainer(spec.body);
          for (const extra of spec.extraNetworks) {
            await retryTransient(() => docker.getNetwork(extra.network).connect({ Container: container.id, EndpointConfig: extra.endpoint }));
          }
          await retryTransient(() => container.start());
          const ownerRef = spec.netnsOwnerRef;
          const rc: RealisedContainer = {
            ref: r.id,
            logicalName: spec.logicalName,
            name: spec.body.name!,
            id: container.id,
            listenPorts: spec.listenPorts,
            ...(ownerRef !== undefined ? { netnsOwner: logicalByRef.get(ownerRef) ?? ownerRef } : {}),
          };
          return { r, rc };
        }),
      );
      for (const { r, rc } of created) {
        for (const ref of refsOf(r)) containerIds.set(ref, rc.id);
        realised.containers.push(rc);
      }
    }

    await waitForListeners(docker, realised);
    return realised;
  } catch (e) {
    await removeRun(runId, docker).catch(() => undefined);
    throw e;
  }
}

/** Waits (≤ ~5 s) until every listener of every namespace answers on loopback. */
async function waitForListeners(docker: Docker, realised: Realised): Promise<void> {
  const owners = realised.containers.filter((c) => c.netnsOwner === undefined);
  await settleAll(
    owners.map(async (owner) => {
      const ports = new Set(owner.listenPorts);
      for (const c of realised.containers) if (c.netnsOwner === owner.logicalName) c.listenPorts.forEach((p) => ports.add(p));
      if (ports.size === 0) return;
      const script =
        `i=0; while [ $i -lt 50 ]; do ok=1; ` +
        `for p in ${[...ports].join(" ")}; do nc -w 1 127.0.0.1 $p </dev/null >/dev/null 2>&1 || { ok=0; break; }; done; ` +
        `[ $ok = 1 ] && exit 0; i=$((i+1)); sleep 0.1; done; exit 1`;
      const result = await execIn(docker, owner.id, script, 15_000);
      if (result.exitCode !== 0) {
        throw new Error(`listeners of ${owner.logicalName} (ports ${[...ports].join(",")}) did not come up: ${result.stderr.trim()}`);
      }
    }),
  );
}

export interface RunObjects {
  containers: string[];
  networks: string[];
  volumes: string[];
  workDir: boolean;
}

const byRun = (runId: string) => ({ label: [`${LABELS.run}=${runId}`] });

/** What is left of a run on the engine and on the host (names). */
export async function leftovers(runId: string, docker = connectEngine()): Promise<RunObjects> {
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters: byRun(runId) }),
    docker.listNetworks({ filters: byRun(runId) }),
    docker.listVolumes({ filters: byRun(runId) }),
  ]);
  return {
    containers: containers.map((c) => c.Names[0]?.replace(/^\//, "") ?? c.Id),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    workDir: existsSync(runWorkDir(runId)),
  };
}

/** Pause after each container removal; see teardown. */
const REMOVAL_PAUSE_MS = 50;

/**
 * Removes everything of a run, found by its label (so it also cleans up after a crashed run):
 * containers (force, dependents first), then networks, then volumes, then the run's folder.
 *
 * Containers are removed one at a time, with a short pause: Debian's docker.io 20.10.24 deadlocks
 * in libnetwork when two containers leave the same network at once (moby/moby#46661, the
 * getSvcRecords / processEndpointDelete lock inversion, fixed upstream after 20.10.24); after that
 * every network call hangs until dockerd is restarted.
 */
export async function teardown(run: { runId: string }, docker = connectEngine()): Promise<void> {
  const { runId } = run;
  if (!RUN_ID.test(runId)) throw new Error(`runId must match ${RUN_ID}`);
  const busy = inFlight.get(runId);
  if (busy) {
    stopping.add(runId);
    try {
      await withTimeout(
        busy.catch(() => undefined),
        IN_FLIGHT_WAIT_MS,
        `waiting for run ${runId} to stop`,
      ).catch(() => undefined);
    } finally {
      stopping.delete(runId);
    }
  }
  await removeRun(runId, docker);
}

/** Removes what exists of a run now (see teardown), without waiting for work under way. */
async function removeRun(runId: string, docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: byRun(runId) });
  const dependentsFirst = [
    containers.filter((c) => c.Labels?.[LABELS.netnsOwner] !== undefined),
    containers.filter((c) => c.Labels?.[LABELS.netnsOwner] === undefined),
  ];
  const ignoreMissing = (e: unknown) => {
    if (!isStatus(e, 404)) throw e;
  };
  for (const c of dependentsFirst.flat()) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing);
    await new Promise((resolve) => setTimeout(resolve, REMOVAL_PAUSE_MS));
  }
  const networks = await docker.listNetworks({ filters: byRun(runId) });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(ignoreMissing)));
  const volumes = (await docker.listVolumes({ filters: byRun(runId) })).Volumes ?? [];
  await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove().catch(ignoreMissing)));
  rmSync(runWorkDir(runId), { recursive: true, force: true });
}

/** Whether a process with this pid is alive on this machine (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Tears down orphaned runs: those whose owning test process is gone (killed, crashed, or the machine's
 * session ended mid-run), and unowned ones started more than `maxAgeMs` ago. Runs of live processes —
 * other suites running at the same time on the same engine — are left alone.
 */
export async function sweepStaleRuns(maxAgeMs = 60 * 60 * 1000, docker = connectEngine()): Promise<string[]> {
  const filters = { label: [LABELS.run] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const labelSets = [...containers.map((c) => c.Labels), ...networks.map((n) => n.Labels), ...(volumes.Volumes ?? []).map((v) => v.Labels)];
  const stale = new Set<string>();
  for (const labels of labelSets) {
    const runId = labels?.[LABELS.run];
    if (!runId || !RUN_ID.test(runId) || inFlight.has(runId)) continue;
    const owner = Number(labels?.[LABELS.owner]);
    const started = Number(labels?.[LABELS.started]);
    const orphan = Number.isInteger(owner) && owner > 0 ? owner !== process.pid && !processAlive(owner) : false;
    if (orphan || (Number.isFinite(started) && Date.now() - started > maxAgeMs)) stale.add(runId);
  }
  for (const runId of stale) await teardown({ runId }, docker);
  return [...stale];
}

export interface ReconcileReport {
  /** Realised (prefixed) names, per kind. */
  created: { containers: string[]; networks: string[]; volumes: string[] };
  removed: { containers: string[]; networks: string[]; volumes: string[] };
}

/**
 * Brings an existing run to what `resources` describe, the way an apply would, but by name only:
 * objects of the run that the resources no longer describe are removed (containers one at a time,
 * dependents first, then networks, then volumes), objects they describe that the run lacks are
 * created (networks, volumes, then containers level by level) and started. An object present on
 * both sides is left alone even when its inputs changed: this is a presence diff, not a replace.
 */
export function reconcile(existingRunId: string, resources: RegisteredResource[], options: Omit<RealiseOptions, "runId"> = {}): Promise<ReconcileReport> {
  return track(existingRunId, () => reconcileRun(existingRunId, resources, options));
}

async function reconcileRun(existingRunId: string, resources: RegisteredResource[], options: Omit<RealiseOptions, "runId">): Promise<ReconcileReport> {
  const mapped = mapResources(resources, { ...options, runId: existingRunId });
  const { docker, ctx, levels, refsOf, containerIds } = mapped;
  const { containerSpecs, networkBodies, volumeBodies } = objectBodies(mapped);
  const report: ReconcileReport = { created: { containers: [], networks: [], volumes: [] }, removed: { containers: [], networks: [], volumes: [] } };
  const filters = byRun(existingRunId);
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const existingContainers = new Map(containers.map((c) => [c.Names[0]?.replace(/^\//, "") ?? c.Id, c]));
  const existingNetworks = new Map(networks.map((n) => [n.Name, n]));
  const existingVolumes = new Map((volumes.Volumes ?? []).map((v) => [v.Name, v]));
  const wantedContainers = new Set(containerSpecs.map((s) => s.body.name!));
  const wantedNetworks = new Set(networkBodies.map((n) => n.body.Name));
  const wantedVolumes = new Set(volumeBodies.map((v) => v.body.Name!));
  const ignoreMissing = (e: unknown) => {
    if (!isStatus(e, 404)) throw e;
  };

  // A kept container whose networks change is replaced, as an apply replaces it (almost every docker.Container
  // input forces replacement, networksAdvanced among them): removed here, created again below.
  const specByName = new Map(containerSpecs.map((spec) => [spec.body.name!, spec]));
  for (const [name, c] of [...existingContainers]) {
    const spec = specByName.get(name);
    if (!spec || spec.netnsOwnerRef !== undefined) continue;
    const wanted = [...Object.keys(spec.body.NetworkingConfig?.EndpointsConfig ?? {}), ...spec.extraNetworks.map((e) => e.network)].sort();
    const live = Object.keys(c.NetworkSettings?.Networks ?? {}).sort();
    if (wanted.join() !== live.join()) wantedContainers.delete(name);
  }

  // 1. Removals: containers one at a time (moby/moby#46661, see teardown), sharers before owners.
  const goneContainers = [...existingContainers].filter(([name]) => !wantedContainers.has(name));
  goneContainers.sort(([, a], [, b]) => Number(a.Labels?.[LABELS.netnsOwner] === undefined) - Number(b.Labels?.[LABELS.netnsOwner] === undefined));
  for (const [name, c] of goneContainers) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing);
    report.removed.containers.push(name);
    await new Promise((resolve) => setTimeout(resolve, REMOVAL_PAUSE_MS));
  }
  for (const [name, n] of existingNetworks) {
    if (wantedNetworks.has(name)) continue;
    await docker.getNetwork(n.Id).remove().catch(ignoreMissing);
    report.removed.networks.push(name);
  }
  for (const [name] of existingVolumes) {
    if (wantedVolumes.has(name)) continue;
    await docker.getVolume(name).remove().catch(ignoreMissing);
    report.removed.volumes.push(name);
  }

  // 2. Creations: networks, volumes, then the missing containers level by level.
  for (const { body } of networkBodies) {
    if (existingNetworks.has(body.Name)) continue;
    await docker.createNetwork(body);
    report.created.networks.push(body.Name);
  }
  for (const { body } of volumeBodies) {
    if (existingVolumes.has(body.Name!)) continue;
    await docker.createVolume(body);
    report.created.volumes.push(body.Name!);
  }
  for (const dir of containerSpecs.flatMap((s) => s.bindDirs)) mkdirSync(dir, { recursive: true });
  // Kept containers answer to their real ids, so new namespace sharers can join them.
  for (const level of levels) {
    for (const r of level) {
      const existing = existingContainers.get((toEngineSpec(r, ctx) as ContainerSpec).body.name!);
      if (existing && wantedContainers.has(existing.Names[0]?.replace(/^\//, "") ?? "")) for (const ref of refsOf(r)) containerIds.set(ref, existing.Id);
    }
  }
  const started: RealisedContainer[] = [];
  for (const level of levels) {
    for (const r of level) {
      checkNotStopping(existingRunId);
      const spec = toEngineSpec(r, ctx) as ContainerSpec;
      if (existingContainers.has(spec.body.name!) && wantedContainers.has(spec.body.name!)) continue;
      const container = await docker.createContainer(spec.body);
      for (const extra of spec.extraNetworks) {
        await retryTransient(() => docker.getNetwork(extra.network).connect({ Container: container.id, EndpointConfig: extra.endpoint }));
      }
      await retryTransient(() => container.start());
      for (const ref of refsOf(r)) containerIds.set(ref, container.id);
      report.created.containers.push(spec.body.name!);
      if (spec.netnsOwnerRef === undefined) {
        started.push({ ref: r.id, logicalName: spec.logicalName, name: spec.body.name!, id: container.id, listenPorts: spec.listenPorts });
      }
    }
  }
  if (started.length > 0) {
    await waitForListeners(docker, {
      runId: existingRunId,
      prefix: mapped.prefix,
      workDir: mapped.workDir,
      networks: [],
      volumes: [],
      containers: started,
      notes: [],
    });
  }
  return report;
}
