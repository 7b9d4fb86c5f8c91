import { execFile } from "node:child_process";
import * as path from "node:path";

export interface RegisteredResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, any>;
  /** The program's failure message (config errors), if it failed. */
  error?: string;
}

export interface RejectedRun {
  error?: string;
  registered: number;
}

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Runs recordProgram.ts in a fresh node process (Pulumi's runtime state is global) and parses its JSON line. */
function runChild<T>(input: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const args = ["--import", "tsx", path.join(__dirname, "recordProgram.ts"), JSON.stringify({ ...input, projectDir: PROJECT_DIR })];
    execFile(process.execPath, args, { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop();
      if (!line) return reject(new Error(`program run produced no output: ${err?.message ?? ""}\n${stderr}`));
      const out = JSON.parse(line) as T & { error?: string };
      if (out.error?.startsWith("harness:")) return reject(new Error(out.error));
      resolve(out);
    });
  });
}

/**
 * Runs index.ts for a shipped stack under Pulumi mocks in a child process. `overrides` replace whole
 * top-level `homelab:` keys (null removes one); `{ "$secret": value }` marks a value as a secret.
 */
export function recordProgram(stack: string, overrides?: Record<string, unknown>): Promise<ProgramRun> {
  return runChild<ProgramRun>({ stack, overrides });
}

/**
 * Runs the program once per config, all in one child process, for configs that must be refused: each run's
 * error and how many resources it registered (which must be none). With a stack, each config overrides
 * that stack's keys; with `null`, each config is the whole config.
 */
export async function rejectedRuns(stack: string | null, batch: Record<string, unknown>[]): Promise<RejectedRun[]> {
  return (await runChild<{ runs: RejectedRun[] }>({ stack, batch })).runs;
}

export const byType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
