/**
 * Facts and reachability measured on the engine for realised runs.
 *
 * `inspectFacts` reads what the engine actually did (networks, addresses, mounts, network mode,
 * the interfaces seen from inside). `measureMatrix` probes, from every running container, every
 * other network namespace's address on every network and every port listening there (TCP connect
 * with busybox `nc -w <timeout>`, the script `homelab audit --probe` runs too): one `docker exec` per source container, all its probes in
 * parallel inside it. `expectedMatrix` predicts the same cells from the memberships
 * (share a network ⇔ reachable, unless a rule says otherwise).
 *
 * Probes only ever target addresses read from the engine for containers of the inspected runs.
 */
import Docker from "dockerode";
import { parseTcpAnswers, tcpProbeScript } from "../../../cli/probe/script";
import { LABELS, PROBE_PORT } from "./engineMapping";
import { connectEngine, execIn, runPrefix } from "./realise";

export interface MountFact {
  type: string;
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerFacts {
  /** Logical name; `<group>/<name>` when several runs are inspected together. */
  key: string;
  name: string;
  runId: string;
  group: string;
  realName: string;
  id: string;
  /** The program's reference (mock id). */
  ref: string;
  running: boolean;
  /** HostConfig.NetworkMode as the engine stores it (`container:<id>` for a shared namespace). */
  networkMode: string;
  /** Key of the container whose network namespace this one shares. */
  netnsOwner?: string;
  /** Network key → this container's endpoint on it (and the network's engine id). Empty for a shared namespace. */
  networks: Record<string, { ip: string; aliases: string[]; networkId?: string }>;
  mounts: MountFact[];
  /** Host ports the engine publishes for this container (the harness publishes none). */
  publishedPorts: string[];
  listenPorts: number[];
  /** IPv4 addresses of the interfaces seen from inside the container (loopback excluded). */
  interfaceIps: string[];
}

export async function inspectFacts(runIds: string | string[], docker: Docker = connectEngine()): Promise<ContainerFacts[]> {
  const runs = Array.isArray(runIds) ? runIds : [runIds];
  const qualify = runs.length > 1;
  const listed = (await Promise.all(runs.map((runId) => docker.listContainers({ all: true, filters: { label: [`${LABELS.run}=${runId}`] } })))).flat();
  const inspected = await Promise.all(listed.map((c) => docker.getContainer(c.Id).inspect()));
  const facts: ContainerFacts[] = inspected.map((info) => {
    const labels = info.Config.Labels ?? {};
    const runId = labels[LABELS.run];
    const group = labels[LABELS.group] ?? runId;
    const name = labels[LABELS.name];
    const prefix = runPrefix(runId);
    const netKey = (realName: string) => {
      const logical = realName.startsWith(prefix) ? realName.slice(prefix.length) : realName;
      return qualify ? `${group}/${logical}` : logical;
    };
    const networks = Object.fromEntries(
      Object.entries(info.NetworkSettings.Networks ?? {})
        // networkMode "none" shows an endpoint "none" without an address.
        .filter(([, ep]) => ep.IPAddress !== "")
        .map(([realNet, ep]) => [
          netKey(realNet),
          { ip: ep.IPAddress, aliases: (ep.Aliases ?? []).filter((a: string) => !info.Id.startsWith(a)).sort(), networkId: ep.NetworkID },
        ]),
    );
    const ports = labels[LABELS.ports] ?? "";
    return {
      key: qualify ? `${group}/${name}` : name,
      name,
      runId,
      group,
      realName: info.Name.replace(/^\//, ""),
      id: info.Id,
      ref: labels[LABELS.ref] ?? "",
      running: info.State.Running === true,
      networkMode: info.HostConfig.NetworkMode ?? "",
      networks,
      mounts: (info.Mounts ?? []).map((m) => ({
        type: m.Type,
        source: m.Type === "volume" ? (m.Name ?? "") : m.Source,
        target: m.Destination,
        readOnly: m.RW === false,
      })),
      publishedPorts: Object.entries(info.HostConfig.PortBindings ?? {})
        .filter(([, b]) => Array.isArray(b) && b.length > 0)
        .map(([p]) => p),
      listenPorts: ports === "" ? [] : ports.split(",").map(Number),
      interfaceIps: [],
    };
  });
  const byId = new Map(facts.map((f) => [f.id, f]));
  for (const f of facts) {
    if (f.networkMode.startsWith("container:")) {
      const owner = byId.get(f.networkMode.slice("container:".length));
      f.netnsOwner = owner?.key ?? f.networkMode;
    }
  }
  await Promise.all(
    facts
      .filter((f) => f.running)
      .map(async (f) => {
        const out = await execIn(docker, f.id, "ip -o -4 addr show", 5000);
        f.interfaceIps = [...out.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)]
          .map((m) => m[1])
          .filter((ip) => !ip.startsWith("127."))
          .sort();
      }),
  );
  return facts.sort((a, b) => a.key.localeCompare(b.key));
}

export interface ProbeCell {
  from: string;
  /** The container listening on `port` (a namespace owner, or a container sharing its namespace). */
  to: string;
  network: string;
  ip: string;
  port: number;
  reachable: boolean;
}

export interface ReachabilityMatrix {
  cells: ProbeCell[];
  /** Cells probed a second time (see measureMatrix), and how many of them answered then. */
  rechecked?: { probes: number; reachable: number };
}

/** Key of the network namespace a container lives in. */
const netns = (f: ContainerFacts) => f.netnsOwner ?? f.key;

/** Every (source, target address, port) the matrix covers, reachability not yet known. */
export function enumerateProbes(facts: ContainerFacts[]): Omit<ProbeCell, "reachable">[] {
  const running = facts.filter((f) => f.running);
  const owners = running.filter((f) => f.netnsOwner === undefined);
  const targets = owners.flatMap((owner) => {
    const listeners = running.filter((f) => netns(f) === owner.key);
    return Object.entries(owner.networks).flatMap(([network, { ip }]) =>
      listeners.flatMap((l) => l.listenPorts.map((port) => ({ to: l.key, netns: owner.key, network, ip, port }))),
    );
  });
  // Each owner listens on the probe port too (it has no declared-ports label entry).
  const probeTargets = owners.flatMap((owner) =>
    Object.entries(owner.networks).map(([network, { ip }]) => ({ to: owner.key, netns: owner.key, network, ip, port: PROBE_PORT })),
  );
  const all = [...probeTargets, ...targets];
  // On several engines, a per-host network (vnet-socket: one local bridge per host, one subnet) has the same
  // name and addresses on each: from a source on another copy of it, the target's address names a container on
  // the source's own host, so such a cell says nothing about the target and is not probed.
  const byKey = new Map(running.map((f) => [f.key, f]));
  const endpointOf = (f: ContainerFacts, network: string) => byKey.get(netns(f))?.networks[network];
  const otherCopy = (src: ContainerFacts, owner: string, network: string) => {
    const mine = endpointOf(src, network)?.networkId;
    const theirs = byKey.get(owner)?.networks[network]?.networkId;
    return mine !== undefined && theirs !== undefined && mine !== theirs;
  };
  const cells = running.flatMap((src) =>
    all
      .filter((t) => t.netns !== netns(src) && !otherCopy(src, t.netns, t.network))
      .map(({ to, network, ip, port }) => ({ from: src.key, to, network, ip, port })),
  );
  return sortCells(dedupe(cells));
}

function dedupe<T extends Omit<ProbeCell, "reachable">>(cells: T[]): T[] {
  const seen = new Set<string>();
  return cells.filter((c) => {
    const k = cellKey(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sortCells<T extends Omit<ProbeCell, "reachable">>(cells: T[]): T[] {
  return [...cells].sort((a, b) => cellKey(a).localeCompare(cellKey(b), "en"));
}

export function cellKey(c: Omit<ProbeCell, "reachable">): string {
  return `${c.from} -> ${c.to} @${c.network}:${c.port}`;
}

/** A rule deciding whether a source may reach a target's address on a network. */
export type ReachabilityRule = (from: ContainerFacts, to: ContainerFacts, network: string) => boolean;

/** The engine's promise: a namespace reaches an address iff it is a member of that address's network. */
export const shareNetwork =
  (facts: ContainerFacts[]): ReachabilityRule =>
  (from, _to, network) => {
    const owner = facts.find((f) => f.key === netns(from));
    return owner !== undefined && network in owner.networks;
  };

/** The predicted matrix over the same cells `measureMatrix` probes. */
export function expectedMatrix(facts: ContainerFacts[], rule: ReachabilityRule = shareNetwork(facts)): ReachabilityMatrix {
  const byKey = new Map(facts.map((f) => [f.key, f]));
  return {
    cells: enumerateProbes(facts).map((c) => ({ ...c, reachable: rule(byKey.get(c.from)!, byKey.get(c.to)!, c.network) })),
  };
}

export interface MeasureOptions {
  docker?: Docker;
  /** Connect timeout of one probe, in seconds (busybox nc -w). */
  timeoutSeconds?: number;
  /** Connect timeout of the confirmation pass, in seconds. */
  confirmTimeoutSeconds?: number;
  /** Source containers probed at the same time. */
  concurrency?: number;
  /** The engine a source container runs on, when the facts come from several (a swarm); default `docker`. */
  engineOf?: (source: string) => Docker;
}

type Probe = Omit<ProbeCell, "reachable">;

/**
 * Probes every cell of {@link enumerateProbes} from inside its source container.
 *
 * A probe can only err one way: under load a SYN can be lost and a connection that would succeed
 * times out, while nothing can make an isolated address answer. So every cell measured
 * unreachable although its source's namespace is on the target's network (per the engine's own
 * inspect data, not any prediction) is probed once more with a longer timeout before it counts.
 */
export async function measureMatrix(facts: ContainerFacts[], options: MeasureOptions = {}): Promise<ReachabilityMatrix> {
  const docker = options.docker ?? connectEngine();
  const probes = enumerateProbes(facts);
  const ids = new Map(facts.map((f) => [f.key, f.id]));
  const concurrency = options.concurrency ?? 12;
  const engineOf = options.engineOf ?? (() => docker);
  const results = await probeFromSources(engineOf, ids, probes, options.timeoutSeconds ?? 1, concurrency);

  const member = shareNetwork(facts);
  const byKey = new Map(facts.map((f) => [f.key, f]));
  const doubtful = probes.filter((c) => !results.get(cellKey(c)) && member(byKey.get(c.from)!, byKey.get(c.to)!, c.network));
  let rechecked = { probes: 0, reachable: 0 };
  if (doubtful.length > 0) {
    const confirmed = await probeFromSources(engineOf, ids, doubtful, options.confirmTimeoutSeconds ?? 3, concurrency);
    for (const [k, v] of confirmed) results.set(k, v);
    rechecked = { probes: doubtful.length, reachable: [...confirmed.values()].filter(Boolean).length };
  }
  return { cells: probes.map((c) => ({ ...c, reachable: results.get(cellKey(c))! })), rechecked };
}

/** One `docker exec` per source container, all its probes in parallel inside it. */
async function probeFromSources(
  engineOf: (source: string) => Docker,
  ids: ReadonlyMap<string, string>,
  probes: Probe[],
  timeout: number,
  concurrency: number,
): Promise<Map<string, boolean>> {
  const bySource = new Map<string, Probe[]>();
  for (const p of probes) bySource.set(p.from, [...(bySource.get(p.from) ?? []), p]);
  const results = new Map<string, boolean>();
  const sources = [...bySource.keys()];
  const worker = async () => {
    for (let source = sources.shift(); source !== undefined; source = sources.shift()) {
      const list = bySource.get(source)!;
      const out = await execIn(engineOf(source), ids.get(source)!, tcpProbeScript(list, timeout), (timeout + 10) * 1000);
      let answers: boolean[];
      try {
        answers = parseTcpAnswers(out.stdout, list.length);
      } catch (e) {
        throw new Error(`probes from ${source}: ${(e as Error).message} (exec exit ${out.exitCode}: ${out.stderr.trim()})`);
      }
      list.forEach((c, i) => results.set(cellKey(c), answers[i]));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  return results;
}

/** Human-readable differences; empty when the matrices agree cell for cell. */
export function diffMatrices(expected: ReachabilityMatrix, measured: ReachabilityMatrix): string[] {
  const want = new Map(expected.cells.map((c) => [cellKey(c), c.reachable]));
  const got = new Map(measured.cells.map((c) => [cellKey(c), c.reachable]));
  const word = (b: boolean) => (b ? "reachable" : "unreachable");
  const lines: string[] = [];
  for (const [k, w] of want) {
    const g = got.get(k);
    if (g === undefined) lines.push(`${k}: expected ${word(w)}, not probed`);
    else if (g !== w) lines.push(`${k}: expected ${word(w)}, measured ${word(g)}`);
  }
  for (const k of got.keys()) if (!want.has(k)) lines.push(`${k}: probed, not expected`);
  return lines;
}

export function matrixSummary(m: ReachabilityMatrix): { sources: number; targets: number; probes: number; reachable: number; rechecked: number } {
  return {
    rechecked: m.rechecked?.probes ?? 0,
    sources: new Set(m.cells.map((c) => c.from)).size,
    targets: new Set(m.cells.map((c) => `${c.ip}:${c.port}`)).size,
    probes: m.cells.length,
    reachable: m.cells.filter((c) => c.reachable).length,
  };
}

/** One line per source: which containers (on which networks) it reaches. */
export function formatMatrix(m: ReachabilityMatrix): string {
  const rows = new Map<string, Set<string>>();
  for (const c of m.cells) {
    const row = rows.get(c.from) ?? new Set<string>();
    if (c.reachable) row.add(`${c.to}@${c.network}`);
    rows.set(c.from, row);
  }
  return [...rows].map(([from, to]) => `${from} -> ${to.size === 0 ? "(nothing)" : [...to].sort().join(", ")}`).join("\n");
}
