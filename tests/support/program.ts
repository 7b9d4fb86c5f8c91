import { execFile } from "node:child_process";
import * as path from "node:path";

export interface RegisteredResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  /** Names of the resources it depends on: explicit `dependsOn` plus those its inputs come from. */
  dependsOn: string[];
}

export interface ProgramRun {
  resources: RegisteredResource[];
  outputs: Record<string, any>;
  /** The program's failure message (config errors), if it failed. */
  error?: string;
  /** Tokens of the provider functions the program invoked, in order. */
  invokes: string[];
  /** The `@pulumi/*` packages the program loaded. */
  sdks: string[];
}

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/**
 * Runs index.ts for a shipped stack under Pulumi mocks in a child process. `overrides` replace whole
 * top-level `homelab:` keys (null removes one); `{ "$secret": value }` marks a value as a secret.
 */
export function recordProgram(stack: string, overrides?: Record<string, unknown>): Promise<ProgramRun> {
  const input = JSON.stringify({ stack, overrides, projectDir: PROJECT_DIR });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", path.join(__dirname, "recordProgram.ts"), input], { cwd: PROJECT_DIR, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop();
      if (!line) return reject(new Error(`program run produced no output: ${err?.message ?? ""}\n${stderr}`));
      const run = JSON.parse(line) as ProgramRun;
      if (run.error?.startsWith("harness:")) return reject(new Error(run.error));
      resolve(run);
    });
  });
}

export const byType = (run: ProgramRun, type: string) => run.resources.filter((r) => r.type === type);
export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
