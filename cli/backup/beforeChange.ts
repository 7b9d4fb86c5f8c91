// The snapshot `homelab up` takes before it applies a preview that replaces or deletes containers
// holding state: exactly the services those containers belong to, tagged with the stack and the change.
import * as path from "node:path";
import type { BackupPlan, BackupTarget } from "../../topology/types";
import { backupNow, type BackupContext, type TakenSnapshot } from "./commands";

/** What the preview says about one resource (cli/operate/progress.ts ResourceChange). */
export interface PlannedChange {
  type: string;
  name: string;
  change: string;
}

const CONTAINER = "docker:Container";
const DESTRUCTIVE = new Set(["replace", "delete"]);
/** Suffixes of companion containers (config/catalog): `lab-immich-db` belongs to immich. */
const COMPANION = /-(db|redis|ml|dump)$/;

/**
 * The services whose state a change puts at risk. A container still in the plan is found among the
 * targets; one being deleted with its service is recognised by name (prefix + service [+ companion]),
 * and its config folder is snapshotted when it has one.
 */
export function targetsAtRisk(backup: BackupPlan, changes: PlannedChange[]): BackupTarget[] {
  const prefix = backup.host.slice(0, -"backup".length);
  const configRoot = path.posix.dirname(path.posix.dirname(backup.dumpRoot));
  const chosen = new Map<string, BackupTarget>();
  for (const c of changes.filter((c) => c.type === CONTAINER && DESTRUCTIVE.has(c.change))) {
    const known = backup.targets.find((t) => t.containers.includes(c.name));
    // a planned container without state (a cache, the tunnel connector) puts nothing at risk
    if (known) {
      if (known.stateful.includes(c.name)) chosen.set(known.service, known);
      continue;
    }
    if (!c.name.startsWith(prefix)) continue;
    const service = c.name.slice(prefix.length).replace(COMPANION, "");
    if (service === "backup" || chosen.has(service)) continue;
    const configDir = path.posix.join(configRoot, service);
    chosen.set(service, {
      service,
      configDir,
      paths: [configDir],
      dumpDir: path.posix.join(backup.dumpRoot, service),
      liveDataDirs: [path.posix.join(configDir, "postgres")],
      databases: [],
      containers: [],
      stateful: [],
    });
  }
  return [...chosen.values()];
}

export interface SnapshotNote {
  taken: TakenSnapshot[];
  /** Lines for the end of `homelab up`: which snapshot undoes the change. */
  lines: string[];
}

/** Snapshots the services at risk (no retention run: these are kept by the same policy at the next backup). */
export async function snapshotBeforeChange(ctx: BackupContext, changes: PlannedChange[], now = new Date()): Promise<SnapshotNote> {
  const targets = targetsAtRisk(ctx.backup, changes);
  if (targets.length === 0) return { taken: [], lines: [] };
  const change = `change:up-${now.toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
  ctx.out(`Snapshot before the change (${targets.map((t) => t.service).join(", ")}); skip with --no-snapshot`);
  const taken = await backupNow({ ...ctx, backup: { ...ctx.backup, targets } }, [], [change], false);
  const lines = taken.map(
    (s) =>
      `Snapshot ${s.id.slice(0, 8)} holds ${s.service} as it was before this change: homelab restore ${ctx.stack} ${s.service} --snapshot ${s.id.slice(0, 8)}`,
  );
  return { taken, lines };
}
