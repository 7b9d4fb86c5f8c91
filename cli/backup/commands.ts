// `homelab backup | snapshots | restore`, and the snapshot `homelab up` takes before a risky change.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Io } from "../io";
import { backupArgs, forgetArgs } from "../../topology/backup";
import type { BackupPlan, BackupTarget } from "../../topology/types";
import { dumpDatabase, existingContainers, notRunning, restoreDatabase, startContainers, stopContainers, waitForDatabase } from "./docker";
import { backupProgress, describeSummary } from "./progress";
import { BackupError, checkRepository, restic, snapshots, type Repository, type Snapshot } from "./restic";

export interface BackupContext extends Io {
  stack: string;
  backup: BackupPlan;
  repo: Repository;
}

export interface TakenSnapshot {
  service: string;
  id: string;
}

function targetsNamed(backup: BackupPlan, services: string[]): BackupTarget[] {
  if (services.length === 0) return backup.targets;
  const known = new Map(backup.targets.map((t) => [t.service, t]));
  const unknown = services.filter((s) => !known.has(s));
  if (unknown.length)
    throw new BackupError(`homelab: no state to back up for ${unknown.join(", ")} (services with state: ${[...known.keys()].join(", ") || "none"})`);
  return services.map((s) => known.get(s)!);
}

/** Dumps the service's databases, then takes one restic snapshot of its config folder and dumps. */
async function backupTarget(ctx: BackupContext, target: BackupTarget, tags: string[]): Promise<TakenSnapshot | undefined> {
  const label = `backup ${target.service}`;
  if (target.databases.length) fs.mkdirSync(target.dumpDir, { recursive: true, mode: 0o700 });
  for (const db of target.databases) {
    ctx.out(`${label}: pg_dump of ${db.container}`);
    await dumpDatabase(db, path.join(target.dumpDir, `${db.container}.sql`));
  }
  const present = target.paths.filter((p) => fs.existsSync(p));
  if (present.length === 0) {
    ctx.out(`${label}: nothing on disk yet (${target.configDir}), skipped`);
    return undefined;
  }
  const args = backupArgs(ctx.backup, { ...target, paths: present }, [`stack:${ctx.stack}`, ...tags]);
  const progress = backupProgress(label, ctx.out);
  await restic(ctx.repo, [...args, "--json"], { onJson: progress.onJson });
  const summary = progress.summary();
  if (!summary) throw new BackupError(`homelab: restic finished the backup of ${target.service} without a summary`);
  ctx.out(describeSummary(label, summary));
  return { service: target.service, id: summary.snapshotId };
}

/** `homelab backup <stack> [service…]`: every named service (all with state by default), then retention. */
export async function backupNow(ctx: BackupContext, services: string[], tags: string[] = [], retention = true): Promise<TakenSnapshot[]> {
  const targets = targetsNamed(ctx.backup, services);
  if ((await checkRepository(ctx.repo, true)) === "created") ctx.out(`initialised a new restic repository at ${ctx.repo.url}`);
  const taken: TakenSnapshot[] = [];
  for (const target of targets) {
    const snapshot = await backupTarget(ctx, target, tags);
    if (snapshot) taken.push(snapshot);
  }
  if (retention) {
    const { daily, weekly, monthly } = ctx.backup.keep;
    ctx.out(`retention: keeping ${daily} daily, ${weekly} weekly, ${monthly} monthly snapshot(s) per service`);
    await restic(ctx.repo, forgetArgs(ctx.backup));
  }
  return taken;
}

function serviceOf(s: Snapshot): string {
  return s.tags?.find((t) => t.startsWith("service:"))?.slice("service:".length) ?? "?";
}

/** `homelab snapshots <stack> [service]`: newest last, like restic. */
export async function listSnapshots(ctx: BackupContext, service?: string): Promise<Snapshot[]> {
  await checkRepository(ctx.repo, false);
  const found = await snapshots(ctx.repo, ["--host", ctx.backup.host, "--tag", service ? `homelab,service:${service}` : "homelab"]);
  if (found.length === 0) ctx.out(`no snapshots${service ? ` of ${service}` : ""} in ${ctx.repo.url}`);
  for (const s of found) {
    const extra = (s.tags ?? []).filter((t) => t !== "homelab" && !t.startsWith("service:")).join(", ");
    ctx.out(`${s.short_id}  ${s.time.slice(0, 19).replace("T", " ")}  ${serviceOf(s).padEnd(14)} ${extra}`);
  }
  return found;
}

/** Moves `from` to `to`, replacing `to` (same filesystem: the staging folder sits next to the config folders). */
function replace(from: string, to: string, previous: string): void {
  if (fs.existsSync(to)) {
    fs.mkdirSync(path.dirname(previous), { recursive: true });
    fs.renameSync(to, previous);
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.renameSync(from, to);
}

/**
 * `homelab restore <stack> <service> [--snapshot ID]`: opens the repository and finds the snapshot first
 * (nothing is touched if either fails), restores it into a staging folder, then stops the service, swaps its
 * config folder for the restored one (keeping the live database files, which the dump replaces), starts its
 * databases, replays the dumps, starts everything and checks it runs.
 */
export async function restoreService(ctx: BackupContext, service: string, snapshotId?: string): Promise<Snapshot> {
  const [target] = targetsNamed(ctx.backup, [service]);
  await checkRepository(ctx.repo, false);
  const candidates = await snapshots(ctx.repo, ["--host", ctx.backup.host, "--tag", `homelab,service:${service}`]);
  const snapshot = snapshotId ? candidates.find((s) => s.id.startsWith(snapshotId) || s.short_id === snapshotId) : candidates.at(-1);
  if (!snapshot)
    throw new BackupError(
      snapshotId
        ? `homelab: no snapshot ${snapshotId} of ${service} (see 'homelab snapshots ${ctx.stack} ${service}'); nothing was changed`
        : `homelab: no snapshot of ${service} yet; nothing was changed`,
    );

  const staging = path.join(path.dirname(target.configDir), `.homelab-restore-${service}-${Date.now()}`);
  ctx.out(`restore ${service}: reading snapshot ${snapshot.short_id} (${snapshot.time.slice(0, 19).replace("T", " ")})`);
  await restic(ctx.repo, ["restore", snapshot.id, "--target", staging]);

  const containers = await existingContainers(target.containers);
  ctx.out(`restore ${service}: stopping ${containers.join(", ") || "no containers"}`);
  await stopContainers(containers);
  const restoredConfig = path.join(staging, target.configDir);
  if (fs.existsSync(restoredConfig)) {
    // The live database files were never in the snapshot: carry them over, the dump brings their content back.
    for (const live of target.liveDataDirs.filter((d) => fs.existsSync(d))) replace(live, path.join(staging, live), path.join(staging, "live", live));
    replace(restoredConfig, target.configDir, path.join(staging, "previous", target.configDir));
  }
  const restoredDumps = path.join(staging, target.dumpDir);
  if (fs.existsSync(restoredDumps)) replace(restoredDumps, target.dumpDir, path.join(staging, "previous", target.dumpDir));

  const databases = target.databases.filter((db) => containers.includes(db.container));
  await startContainers(databases.map((db) => db.container));
  for (const db of databases) {
    const dump = path.join(target.dumpDir, `${db.container}.sql`);
    if (!fs.existsSync(dump))
      throw new BackupError(`homelab: snapshot ${snapshot.short_id} has no dump of ${db.container}; its config is restored, the database is as it was`);
    await waitForDatabase(db);
    ctx.out(`restore ${service}: replaying the dump into ${db.container}`);
    await restoreDatabase(db, dump);
  }
  await startContainers(containers);
  const down = await notRunning(containers);
  if (down.length)
    throw new BackupError(`homelab: restored ${service} from ${snapshot.short_id}, but ${down.join(", ")} did not stay running: docker logs ${down[0]}`);
  fs.rmSync(staging, { recursive: true, force: true });
  ctx.out(`restore ${service}: done from snapshot ${snapshot.short_id}; ${containers.length} container(s) running`);
  return snapshot;
}
