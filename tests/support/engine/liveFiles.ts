/**
 * Runs the program's live-file commands (`command:local:Command`, see components/containerFiles.ts) against
 * a realised run, the way the command provider would between two programs: `create` for a new one,
 * `update` for one whose inputs changed, `delete` (with its old inputs) for one that is gone. The scripts
 * run for real, through the Docker CLI, against the test engine; the container is named by its realised
 * name instead of its mock id.
 */
import { spawn } from "node:child_process";
import { LIVE_FILE, unwrapSecrets } from "../program";
import type { RegisteredResource } from "./engineMapping";

export interface CommandInputs {
  create: string;
  update: string;
  delete: string;
  stdin?: string;
  environment: Record<string, string>;
}

export interface CommandRun {
  name: string;
  op: "create" | "update" | "delete";
  exitCode: number | null;
  stderr: string;
}

/** Runs one script with `sh -c`, its environment on top of ours, bounded by `timeoutMs`. */
export function runScript(
  script: string,
  env: Record<string, string>,
  stdin = "",
  timeoutMs = 20_000,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.end(stdin);
  });
}

/** The live-file commands of a recording, by resource name, with secrets unwrapped. */
export function liveFileCommands(resources: RegisteredResource[]): Map<string, CommandInputs> {
  return new Map(resources.filter((r) => r.type === LIVE_FILE).map((r) => [r.name, unwrapSecrets<CommandInputs>(r.inputs)]));
}

/** The container a command writes into, as realised: `<prefix><docker name>` of the container with that mock id. */
function realisedContainer(resources: RegisteredResource[], mockId: string, prefix: string): string {
  const container = resources.find((r) => r.id === mockId);
  if (!container) throw new Error(`a live file names container ${mockId}, which the program does not register`);
  return `${prefix}${container.inputs.name}`;
}

/** Applies the change from `before` (nothing, for a first apply) to `after`; deletes first, as the engine does. */
export async function applyLiveFiles(prefix: string, before: RegisteredResource[], after: RegisteredResource[]): Promise<CommandRun[]> {
  const old = liveFileCommands(before);
  const now = liveFileCommands(after);
  const steps: { name: string; op: CommandRun["op"]; inputs: CommandInputs; resources: RegisteredResource[] }[] = [];
  for (const [name, inputs] of old) if (!now.has(name)) steps.push({ name, op: "delete", inputs, resources: before });
  for (const [name, inputs] of now) {
    const previous = old.get(name);
    if (!previous) steps.push({ name, op: "create", inputs, resources: after });
    else if (JSON.stringify(previous) !== JSON.stringify(inputs)) steps.push({ name, op: "update", inputs, resources: after });
  }
  const runs: CommandRun[] = [];
  for (const { name, op, inputs, resources } of steps) {
    const env = { ...inputs.environment, HOMELAB_CONTAINER: realisedContainer(resources, inputs.environment.HOMELAB_CONTAINER, prefix) };
    const result = await runScript(inputs[op], env, op === "delete" ? "" : (inputs.stdin ?? ""));
    runs.push({ name, op, exitCode: result.exitCode, stderr: result.stderr.trim() });
  }
  return runs;
}
