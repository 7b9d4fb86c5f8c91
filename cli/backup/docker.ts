// The Docker CLI steps of a backup and a restore: consistent PostgreSQL dumps taken inside the database
// container (its own pg_dump and psql, over its local socket), and stopping/starting a service's containers.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { BackupDatabase } from "../../topology/types";
import { BackupError } from "./restic";

function docker(args: string[], io: { stdin?: string; stdout?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: [io.stdin ? "pipe" : "ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const sink = io.stdout ? fs.createWriteStream(io.stdout) : undefined;
    if (sink) child.stdout!.pipe(sink);
    else child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    if (io.stdin) fs.createReadStream(io.stdin).pipe(child.stdin!);
    child.on("error", (e) => reject(new BackupError(`homelab: docker could not start: ${e.message}`)));
    child.on("close", (code) => {
      const done = () =>
        code === 0
          ? resolve(out)
          : reject(new BackupError(`homelab: docker ${args[0]} ${args[1] ?? ""} failed: ${err.trim().split("\n").at(-1) ?? `exit ${code}`}`));
      if (sink) sink.end(done);
      else done();
    });
  });
}

/**
 * pg_dump inside the database container: one consistent snapshot of the database ("consistent even if the
 * database is being used concurrently", https://www.postgresql.org/docs/current/app-pgdump.html), never its
 * live files. Over the container's local socket, which the official image leaves at initdb's `trust` (its
 * entrypoint only adds a `host` rule: docker-library/postgres 17/alpine3.22/docker-entrypoint.sh pg_setup_hba_conf). `--clean --if-exists` makes the dump restore over a database
 * that has since changed. Written to a .partial file first, so a failed dump never replaces a good one.
 */
export async function dumpDatabase(db: BackupDatabase, file: string): Promise<void> {
  const partial = `${file}.partial`;
  await docker(["exec", db.container, "pg_dump", "-U", db.user, "-d", db.database, "--clean", "--if-exists"], { stdout: partial });
  fs.renameSync(partial, file);
}

/** Replays a dump into the (running) database container with psql, stopping at the first error. */
export async function restoreDatabase(db: BackupDatabase, file: string): Promise<void> {
  await docker(["exec", "-i", db.container, "psql", "-q", "-U", db.user, "-d", db.database, "-v", "ON_ERROR_STOP=1"], { stdin: file });
}

/** Waits, bounded, until the database answers (pg_isready), after a start. */
export async function waitForDatabase(db: BackupDatabase, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await docker(["exec", db.container, "pg_isready", "-q", "-U", db.user, "-d", db.database]);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new BackupError(`homelab: ${db.container} did not accept connections within ${seconds}s after the restore started it`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Names of the given containers that exist on the engine. */
export async function existingContainers(names: string[]): Promise<string[]> {
  const listed = await docker(["ps", "-a", "--format", "{{.Names}}"]);
  const present = new Set(listed.split("\n").map((l) => l.trim()));
  return names.filter((n) => present.has(n));
}

export const stopContainers = (names: string[]) => (names.length ? docker(["stop", ...names]) : Promise.resolve(""));
export const startContainers = (names: string[]) => (names.length ? docker(["start", ...names]) : Promise.resolve(""));

/** Containers among `names` that are not running (or keep restarting) a moment after a start. */
export async function notRunning(names: string[], settleMs = 2000): Promise<string[]> {
  await new Promise((r) => setTimeout(r, settleMs));
  if (!names.length) return [];
  const states = await docker(["inspect", "-f", "{{.Name}} {{.State.Running}} {{.State.Restarting}}", ...names]);
  return states
    .split("\n")
    .map((l) => l.trim().split(" "))
    .filter(([name, running, restarting]) => name && (running !== "true" || restarting === "true"))
    .map(([name]) => name.replace(/^\//, ""));
}
