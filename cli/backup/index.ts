// `homelab backup | snapshots | restore`, and the `homelab up` hook that snapshots before a risky change.
import type { Io } from "../io";
import type { BeforeUp } from "../operate";
import { OperateError } from "../operate/environment";
import type { Plan } from "../../topology/types";
import { snapshotBeforeChange } from "./beforeChange";
import { backupNow, listSnapshots, restoreService, type BackupContext } from "./commands";
import { configFromPulumi, credentialsFromConfig, credentialsFromEnv, repositoryOf } from "./credentials";
import { BackupError } from "./restic";

export const BACKUP_COMMANDS = ["backup", "snapshots", "restore"] as const;
export type BackupCommand = (typeof BACKUP_COMMANDS)[number];

export interface BackupRequest {
  projectDir: string;
  stack: string;
  plan: Plan;
  /** Positional arguments after the stack: services. */
  services: string[];
  snapshot?: string;
  env?: NodeJS.ProcessEnv;
}

const NOT_CONFIGURED = (stack: string) => `homelab: stack '${stack}' has no homelab:backup: set a repository first (docs/backups.md)`;

async function context(req: BackupRequest, io: Io): Promise<BackupContext> {
  const backup = req.plan.backup;
  if (!backup) throw new BackupError(NOT_CONFIGURED(req.stack));
  const env = req.env ?? process.env;
  const credentials = credentialsFromEnv(env) ?? credentialsFromConfig(await configFromPulumi(req.projectDir, req.stack, env));
  return { stack: req.stack, backup, repo: repositoryOf(backup, credentials), out: io.out, err: io.err };
}

/** Runs one backup command; every failure is one line and exit 1. */
export async function runBackupCommand(command: BackupCommand, req: BackupRequest, io: Io): Promise<number> {
  try {
    const ctx = await context(req, io);
    if (command === "backup") await backupNow(ctx, req.services);
    else if (command === "snapshots") await listSnapshots(ctx, req.services[0]);
    else {
      if (req.services.length !== 1) {
        io.err(`homelab: restore takes exactly one service: homelab restore ${req.stack} <service> [--snapshot ID]`);
        return 2;
      }
      await restoreService(ctx, req.services[0], req.snapshot);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    io.err(err.message);
    return 1;
  }
}

/** The `homelab up` hook: snapshots the services whose stateful containers the preview replaces or deletes. */
export function snapshotHook(req: Omit<BackupRequest, "services">): BeforeUp | undefined {
  const backup = req.plan.backup;
  if (!backup) return undefined;
  return async (changes, config, out) => {
    try {
      const env = req.env ?? process.env;
      const credentials = credentialsFromEnv(env) ?? credentialsFromConfig(await config());
      const ctx: BackupContext = { stack: req.stack, backup, repo: repositoryOf(backup, credentials), out, err: out };
      return (await snapshotBeforeChange(ctx, changes)).lines;
    } catch (err) {
      // stops the `up` before anything is applied, in operate's one-line form
      if (err instanceof BackupError) throw new OperateError(`${err.message}; the change was not applied (--no-snapshot skips the snapshot)`);
      throw err;
    }
  };
}
