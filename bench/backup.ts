/**
 * Backup rows: the first restic backup of a config tree (200 MB; 20 MB with --quick, to keep CI fast)
 * and an unchanged second run (medians of 3 rounds, 1 with --quick), which must take at most 10% of the first (restic finds the parent
 * snapshot and skips unchanged files by their metadata). Runs what `homelab backup` runs: the same
 * restic arguments (topology/backup.ts backupArgs) through the same runner, against Debian's restic.
 *
 * Like the backup container (its cache volume, topology/backup.ts RESTIC_CACHE), each round keeps restic's
 * cache between its runs, in a folder of its own (`--cache-dir`): the figures do not depend on $HOME, and the
 * bench leaves no cache behind. Every restic run that writes pays a fixed cost whatever the tree: start,
 * the key derivation (scrypt, parameters calibrated at `init` and stored in the repository's key) and the
 * lock, which restic holds 200 ms before re-checking for a concurrent one (restic internal/restic/lock.go,
 * waitBeforeLockCheck). That floor is measured as an unchanged backup of an empty folder in the same
 * repository, and the second run is also reported above it: the part that grows with the tree.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { backupProgress } from "../cli/backup/progress";
import { restic, type Repository } from "../cli/backup/restic";
import { backupArgs } from "../topology/backup";
import type { BackupPlan, BackupTarget } from "../topology/types";
import { median, table } from "./stats";

export const SECOND_RUN_TARGET = 0.1;

export interface BackupBench {
  treeMB: number;
  files: number;
  firstMs: number;
  secondMs: number;
  /** Opening the repository alone (`restic cat config`: start, key derivation, config). */
  openMs: number;
  /** An unchanged backup of an empty folder: the fixed cost of any backup run (open, lock, index, snapshot). */
  floorMs: number;
  ratio: number;
  /** (second − floor) / (first − floor): what an unchanged run costs beyond restic's fixed floor. */
  ratioAboveFloor: number;
  /** Judged on the 200 MB tree only: on the quick 20 MB tree the fixed cost of opening the repository dominates. */
  pass?: boolean;
}

const FILE_BYTES = 100 * 1024;

export async function backupBench(quick: boolean, rounds = quick ? 1 : 3): Promise<BackupBench> {
  const treeMB = quick ? 20 : 200;
  const files = Math.round((treeMB * 1024 * 1024) / FILE_BYTES);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-bench-backup-"));
  try {
    const configDir = path.join(root, "config", "app");
    // incompressible, like the databases and media metadata that dominate real config folders
    for (let i = 0; i < files; i++) {
      const dir = path.join(configDir, `d${i % 50}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `f${i}.bin`), randomBytes(FILE_BYTES));
    }
    const target: BackupTarget = {
      service: "app",
      paths: [configDir],
      configDir,
      dumpDir: path.join(root, "dumps"),
      liveDataDirs: [],
      databases: [],
      containers: [],
      stateful: [],
    };
    const plan = { host: "bench-backup", exclude: [] } as unknown as BackupPlan;
    const emptyDir = path.join(root, "config", "empty");
    fs.mkdirSync(emptyDir);
    const run = async (repo: Repository, t: BackupTarget = target) => {
      const started = performance.now();
      await restic(repo, [...backupArgs(plan, t), "--json"], { onJson: backupProgress("bench", () => {}).onJson });
      return performance.now() - started;
    };
    // each round: a fresh repository (not timed: `restic init`), a first backup, an unchanged second one
    const first: number[] = [];
    const second: number[] = [];
    const open: number[] = [];
    const floor: number[] = [];
    const empty: BackupTarget = { ...target, service: "empty", paths: [emptyDir], configDir: emptyDir };
    for (let round = 0; round < rounds; round++) {
      const cache = path.join(root, `cache-${round}`);
      const repo: Repository = { url: path.join(root, `repo-${round}`), env: { RESTIC_PASSWORD: "bench", RESTIC_CACHE_DIR: cache } };
      await restic(repo, ["init"]);
      first.push(await run(repo));
      second.push(await run(repo));
      await run(repo, empty); // its first snapshot; the next one is unchanged
      floor.push(await run(repo, empty));
      const started = performance.now();
      await restic(repo, ["cat", "config"]);
      open.push(performance.now() - started);
      fs.rmSync(repo.url, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
    const [firstMs, secondMs, floorMs] = [median(first), median(second), median(floor)];
    return {
      treeMB,
      files,
      firstMs,
      secondMs,
      openMs: median(open),
      floorMs,
      ratio: secondMs / firstMs,
      ratioAboveFloor: Math.max(0, secondMs - floorMs) / (firstMs - floorMs),
      pass: quick ? undefined : secondMs / firstMs <= SECOND_RUN_TARGET,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export function backupTable(b: BackupBench): string {
  return table([
    ["backup (restic)", "tree", "time", "ratio", "verdict"],
    [`first backup`, `${b.treeMB} MB, ${b.files} files`, `${(b.firstMs / 1000).toFixed(2)} s`, "", ""],
    [
      `unchanged second run`,
      `${b.treeMB} MB, ${b.files} files`,
      `${(b.secondMs / 1000).toFixed(2)} s`,
      `${(b.ratio * 100).toFixed(1)}%`,
      b.pass === undefined ? "n/a (quick: judged on 200 MB)" : `${b.pass ? "PASS" : "MISS"} (≤ ${SECOND_RUN_TARGET * 100}%)`,
    ],
    [
      `  above restic's fixed floor`,
      "",
      `${(Math.max(0, b.secondMs - b.floorMs) / 1000).toFixed(2)} s`,
      `${(b.ratioAboveFloor * 100).toFixed(1)}%`,
      b.ratioAboveFloor <= SECOND_RUN_TARGET ? "(≤ 10%)" : "(> 10%)",
    ],
    [`(floor: unchanged backup of an empty folder)`, "", `${(b.floorMs / 1000).toFixed(2)} s`, `${((b.floorMs / b.firstMs) * 100).toFixed(1)}%`, ""],
    [`(opening the repository alone)`, "", `${(b.openMs / 1000).toFixed(2)} s`, `${((b.openMs / b.firstMs) * 100).toFixed(1)}%`, ""],
  ]);
}
