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

/** How Pulumi's mocks hand over a secret input: `{ [SECRET_SIG]: SECRET_SIG_VALUE, value }`. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretInput(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE;
}

/** The input with every secret wrapper removed, for asserting on values. */
export function unwrapSecrets<T = any>(v: unknown): T {
  if (isSecretInput(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)])) as T;
  return v as T;
}
