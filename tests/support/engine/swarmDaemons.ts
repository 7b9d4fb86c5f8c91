/**
 * Two extra Docker daemons on this machine, each in its own network namespace with its own data-root,
 * exec-root, pidfile and socket, linked by a veth pair: the smallest two-host Docker Swarm. The machine's
 * own dockerd is never touched. Everything is named after a run id and removed by `stop`, also after a
 * failure half-way (daemons, namespaces and their veth ends, data roots).
 *
 * Why nsenter and not `ip netns exec`: the latter also makes a fresh mount namespace and remounts /sys,
 * which hides the cgroup mounts from dockerd ("Devices cgroup isn't mounted"); nsenter --net only
 * changes the network namespace.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Docker from "dockerode";

export interface TestDaemon {
  name: "a" | "b";
  netns: string;
  /** Its address on the veth link: the swarm's advertise / data-path address. */
  address: string;
  socket: string;
  url: string;
  root: string;
  docker: Docker;
  process?: ChildProcess;
}

export interface DaemonPair {
  runId: string;
  a: TestDaemon;
  b: TestDaemon;
  /** Removes everything the pair made, whatever state it is in. */
  stop(): Promise<void>;
}

const TOOLS = ["ip", "nsenter", "dockerd", "docker"];

/** Why the pair cannot run here (a missing tool, no root), or undefined. */
export async function pairUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "creating network namespaces and daemons needs root";
  for (const tool of TOOLS) {
    const found = await run("sh", ["-c", `command -v ${tool}`]).then(
      () => true,
      () => false,
    );
    if (!found) return `${tool} is not installed (.ci/engine-setup.sh installs docker.io and iproute2)`;
  }
  return undefined;
}

export function run(cmd: string, args: string[], opts: { input?: Buffer; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (e, out, err) =>
      e ? reject(new Error(`${cmd} ${args.join(" ")}: ${err.trim() || e.message}`)) : resolve(out),
    );
    if (opts.input) child.stdin!.end(opts.input);
  });
}

/** A /30 for the veth link from the run id: the link lives only inside the two namespaces. */
function linkAddresses(runId: string): [string, string] {
  const n = parseInt(runId.slice(0, 4), 16) % 16384;
  const third = Math.floor(n / 64);
  const base = (n % 64) * 4;
  return [`10.231.${third}.${base + 1}`, `10.231.${third}.${base + 2}`];
}

export async function startPair(runId: string, log: (line: string) => void = () => undefined): Promise<DaemonPair> {
  const base = path.join("/tmp", `hlsw-${runId}`);
  const [addrA, addrB] = linkAddresses(runId);
  const daemon = (name: "a" | "b", address: string): TestDaemon => {
    const root = path.join(base, name);
    const socket = path.join(root, "docker.sock");
    return {
      name,
      netns: `hlsw-${runId}-${name}`,
      address,
      socket,
      url: `unix://${socket}`,
      root,
      docker: new Docker({ socketPath: socket, timeout: 30_000 }),
    };
  };
  const a = daemon("a", addrA);
  const b = daemon("b", addrB);
  const pair: DaemonPair = { runId, a, b, stop: () => stopPair(base, [a, b]) };
  try {
    for (const d of [a, b]) await run("ip", ["netns", "add", d.netns]);
    const dev = (d: TestDaemon) => `hv${runId}${d.name}`;
    await run("ip", ["link", "add", dev(a), "type", "veth", "peer", "name", dev(b)]);
    for (const d of [a, b]) {
      await run("ip", ["link", "set", dev(d), "netns", d.netns]);
      await run("ip", ["-n", d.netns, "addr", "add", `${d.address}/30`, "dev", dev(d)]);
      await run("ip", ["-n", d.netns, "link", "set", "lo", "up"]);
      await run("ip", ["-n", d.netns, "link", "set", dev(d), "up"]);
    }
    await Promise.all([a, b].map((d) => startDaemon(d)));
    log(`daemons up: a=${a.url} (${a.address}), b=${b.url} (${b.address})`);
    return pair;
  } catch (e) {
    await pair.stop();
    throw e;
  }
}

async function startDaemon(d: TestDaemon): Promise<void> {
  fs.mkdirSync(d.root, { recursive: true });
  const logFile = fs.openSync(path.join(d.root, "dockerd.log"), "a");
  d.process = spawn(
    "nsenter",
    [
      `--net=/var/run/netns/${d.netns}`,
      "dockerd",
      "--data-root",
      path.join(d.root, "data"),
      "--exec-root",
      path.join(d.root, "exec"),
      "--pidfile",
      path.join(d.root, "docker.pid"),
      "-H",
      d.url,
    ],
    { stdio: ["ignore", logFile, logFile] },
  );
  fs.closeSync(logFile);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await d.docker.ping();
      return;
    } catch {
      if (d.process.exitCode !== null || Date.now() > deadline)
        throw new Error(`dockerd ${d.name} did not start: ${fs.readFileSync(path.join(d.root, "dockerd.log"), "utf8").split("\n").slice(-5).join("\n")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** `docker swarm init` on a (advertising its veth address), `docker swarm join` on b. */
export async function formSwarm(pair: DaemonPair): Promise<void> {
  const { a, b } = pair;
  await a.docker.swarmInit({ ListenAddr: `${a.address}:2377`, AdvertiseAddr: a.address });
  const token = ((await a.docker.swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
  await b.docker.swarmJoin({ ListenAddr: `${b.address}:2377`, AdvertiseAddr: b.address, RemoteAddrs: [`${a.address}:2377`], JoinToken: token });
}

/** `docker save <image> | docker -H <daemon> load`, into both daemons: no registry is reachable. */
export async function loadImage(pair: DaemonPair, image: string): Promise<void> {
  const tar = await new Promise<Buffer>((resolve, reject) =>
    execFile("docker", ["image", "save", image], { encoding: "buffer", maxBuffer: 256 * 1024 * 1024, timeout: 30_000 }, (e, out) =>
      e ? reject(e) : resolve(out),
    ),
  );
  await Promise.all([pair.a, pair.b].map((d) => run("docker", ["-H", d.url, "image", "load"], { input: tar })));
}

/**
 * Leftovers of a run that was killed before its `after` hook (SIGKILL of mocha): its folder under /tmp, the
 * daemons its pidfiles name, its namespaces. Only runs older than `maxAgeMs`, so a run in flight is never touched.
 */
export async function sweepStalePairs(maxAgeMs = 10 * 60_000): Promise<string[]> {
  const stale = fs
    .readdirSync("/tmp")
    .filter((f) => /^hlsw-[0-9a-f]{8}$/.test(f))
    .filter((f) => Date.now() - fs.statSync(path.join("/tmp", f)).mtimeMs > maxAgeMs);
  for (const dir of stale) {
    const runId = dir.slice("hlsw-".length);
    const daemons = (["a", "b"] as const).map((name) => {
      const root = path.join("/tmp", dir, name);
      return { name, root, netns: `hlsw-${runId}-${name}`, pidfile: path.join(root, "docker.pid") };
    });
    for (const d of daemons) {
      const pid = fs.existsSync(d.pidfile) ? Number(fs.readFileSync(d.pidfile, "utf8").trim()) : NaN;
      // Only a dockerd whose command line names this run's data-root: a reused pid is left alone.
      const cmdline = Number.isInteger(pid) && fs.existsSync(`/proc/${pid}/cmdline`) ? fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") : "";
      if (cmdline.includes(d.root)) await killAndWait(pid);
    }
    await stopPair(path.join("/tmp", dir), daemons);
  }
  return stale;
}

async function killAndWait(pid: number): Promise<void> {
  const alive = () => fs.existsSync(`/proc/${pid}`);
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 75 && alive(); i++) await new Promise((r) => setTimeout(r, 200));
  if (alive()) process.kill(pid, "SIGKILL");
}

type Stoppable = Pick<TestDaemon, "root" | "netns" | "process">;

async function stopPair(base: string, daemons: Stoppable[]): Promise<void> {
  await Promise.all(daemons.map((d) => stopDaemon(d)));
  for (const d of daemons) {
    // Mounts a killed daemon left behind (overlay layers, shm, the overlay networks' namespaces).
    const mounts = fs
      .readFileSync("/proc/self/mounts", "utf8")
      .split("\n")
      .map((l) => l.split(" ")[1] ?? "");
    for (const m of mounts.filter((m) => m.startsWith(`${d.root}/`)).reverse()) await run("umount", ["-l", m]).catch(() => undefined);
    // Deleting a namespace deletes the veth end in it (and so its peer).
    await run("ip", ["netns", "del", d.netns]).catch(() => undefined);
  }
  fs.rmSync(base, { recursive: true, force: true });
}

/** SIGTERM (dockerd stops its containers and its containerd), then SIGKILL after 15 s. */
async function stopDaemon(d: Stoppable): Promise<void> {
  const child = d.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
