import { execFile } from "node:child_process";
import * as path from "node:path";
import { isSecret } from "../../config/secret";

export interface RegisteredResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  /** Names of the resources it depends on: explicit `dependsOn` plus those its inputs come from. */
  dependsOn: string[];
  /** Input name → names of the resources that input's value comes from. */
  propertyDependencies: Record<string, string[]>;
  /** Its URN as the engine forms it (parent type chain included). */
  urn: string;
  /** The URNs its aliases stand for: what it was registered as before a rename or a new parent. */
  aliases: string[];
  /** The name of the provider resource it is registered through, when the SDK names one. */
  provider?: string;
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

export interface RejectedRun {
  error?: string;
  registered: number;
}

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** Runs recordProgram.ts in a fresh node process (Pulumi's runtime state is global) and parses its JSON line. */
/** A SecretValue in a config crosses to the child as `{ "$secret": value }`, which recordProgram marks secret again (its toJSON hides the value). */
function keepSecrets(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return isSecret(original) ? { $secret: original.value ?? "mock-secret" } : value;
}

function runChild<T>(input: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const args = ["--import", "tsx", path.join(__dirname, "recordProgram.ts"), JSON.stringify({ ...input, projectDir: PROJECT_DIR }, keepSecrets)];
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
 * `ids` replaces the mock id (`<name>-id`) of named resources, e.g. to play a replaced container.
 */
export function recordProgram(stack: string, overrides?: Record<string, unknown>, ids?: Record<string, string>): Promise<ProgramRun> {
  return runChild<ProgramRun>({ stack, overrides, ids });
}

/** Like recordProgram, through the entry Pulumi runs (program.js: the compiled build, rebuilt when stale). */
export function recordBuiltProgram(stack: string, overrides?: Record<string, unknown>): Promise<ProgramRun> {
  return runChild<ProgramRun>({ stack, overrides, entry: "built" });
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
/** The command that writes a live file (one whose `reload` is set) into its container. */
export const LIVE_FILE = "command:local:Command";

/**
 * Every generated file a container gets, path → content: its uploads and the live files written into it
 * (commands naming the container by its mock id).
 */
export function filesOf(run: ProgramRun, container: RegisteredResource): Record<string, string> {
  const uploads = unwrapSecrets<{ file: string; content: string }[]>(container.inputs.uploads ?? []).map((u) => [u.file, u.content]);
  const live = byType(run, LIVE_FILE)
    .map((r) => unwrapSecrets<{ environment: Record<string, string>; stdin: string }>(r.inputs))
    .filter((r) => r.environment.HOMELAB_CONTAINER === container.id)
    .map((r) => [r.environment.HOMELAB_FILE, r.stdin]);
  return Object.fromEntries([...uploads, ...live]);
}

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
