import type Docker from "dockerode";
import { withTimeout } from "../timeout";

/**
 * Short-lived probe containers: each joins one network namespace (`container:<id>`, or the host's),
 * runs one script and is removed. Every one carries PROBE_LABEL, so those a killed run left behind are
 * found and removed by the next run, and the ones of the current run are removed on interrupt.
 */

export const PROBE_LABEL = "homelab.probe";
/** Probes never live this long: an older labelled container is a leftover of a killed run. */
export const LEFTOVER_AGE_SECONDS = 120;

export class ProbeInterrupted extends Error {
  constructor(public readonly removed: number) {
    super(`interrupted; removed ${removed} probe container${removed === 1 ? "" : "s"}`);
  }
}

/** Removes probe containers older than `minAgeSeconds` (what a killed run left); returns how many. */
export async function removeLeftovers(docker: Docker, minAgeSeconds = LEFTOVER_AGE_SECONDS, now = Date.now()): Promise<number> {
  const listed = await docker.listContainers({ all: true, filters: { label: [PROBE_LABEL] } });
  const stale = listed.filter((c) => now / 1000 - c.Created >= minAgeSeconds);
  await Promise.all(stale.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(ignoreGone)));
  return stale.length;
}

function ignoreGone(e: unknown): void {
  const code = (e as { statusCode?: number }).statusCode;
  if (code !== 404 && code !== 409) throw e;
}

export interface ProbeRunner {
  /** Runs `script` with `sh -c` in a fresh container sharing `networkMode`; resolves to what it printed. */
  run(networkMode: string, script: string, timeoutMs: number): Promise<string>;
  /** Removes every probe container of this runner that still exists; returns how many were cut short, on interrupt too. */
  removeAll(): Promise<number>;
}

export function probeRunner(docker: Docker, image: string, runId: string, signal?: AbortSignal): ProbeRunner {
  const live = new Set<string>();
  // One removal per container: a second call answers 409 "in progress" at once, before the container is gone.
  const removals = new Map<string, Promise<void>>();
  const remove = (id: string): Promise<void> => {
    let removal = removals.get(id);
    if (!removal) {
      removal = docker
        .getContainer(id)
        .remove({ force: true })
        .catch(ignoreGone)
        .finally(() => live.delete(id));
      removals.set(id, removal);
    }
    return removal;
  };
  /** Containers removed before their probe finished (on interrupt or failure). */
  let cutShort = 0;
  const removeLive = () => {
    const ids = [...live];
    cutShort += ids.length;
    return Promise.all(ids.map(remove));
  };
  // Ctrl-C must not wait for the probes in flight: removing them ends their scripts at once.
  signal?.addEventListener("abort", () => void removeLive().catch(() => undefined), { once: true });
  return {
    async run(networkMode, script, timeoutMs) {
      if (signal?.aborted) throw new ProbeInterrupted(0);
      const container = await docker.createContainer({
        Image: image,
        Cmd: ["/bin/sh", "-c", script],
        // A TTY gives the output as one plain stream (no multiplexing headers to strip).
        Tty: true,
        Labels: { [PROBE_LABEL]: runId },
        HostConfig: {
          NetworkMode: networkMode,
          // A probe only connects and reads: no capability, no privilege, nothing written, little memory.
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          ReadonlyRootfs: true,
          Memory: 64 * 1024 * 1024,
        },
      });
      live.add(container.id);
      try {
        if (signal?.aborted) throw new ProbeInterrupted(0);
        await container.start();
        await withTimeout(container.wait(), timeoutMs, `probe in ${networkMode}`);
        const out = await container.logs({ stdout: true, stderr: true });
        return Buffer.isBuffer(out) ? out.toString("utf8") : String(out);
      } finally {
        await remove(container.id);
      }
    },
    async removeAll() {
      await removeLive();
      await Promise.all(removals.values());
      return cutShort;
    },
  };
}

/**
 * Runs `jobs` at most `concurrency` at a time; stops starting new ones once `signal` is aborted. Settles only
 * when every started job has (so no probe container is still being created when the caller cleans up).
 */
export async function pool<T>(jobs: (() => Promise<T>)[], concurrency: number, signal?: AbortSignal, onDone?: (done: number) => void): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < jobs.length && !signal?.aborted && !failed) {
      const i = next++;
      try {
        results[i] = await jobs[i]();
      } catch (e) {
        failed = true;
        throw e;
      }
      onDone?.(++done);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return results;
}
