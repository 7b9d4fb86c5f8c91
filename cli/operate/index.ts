// `homelab preview | up | destroy | refresh | drift <stack>`: drives the Pulumi CLI through the
// Automation API over this project directory, with a local state backend by default.
import { CommandError, EngineEvent, LocalWorkspace, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { assertDockerCli, assertKnownStack, NO_PASSPHRASE, OperateError, passphraseFromEnv, resolveBackendUrl } from "./environment";
import { InterruptGuard, INTERRUPTED_EXIT, SignalSource } from "./interrupt";
import { NO_POLICY_WARNING, POLICY_PACK, PolicyViolations } from "./policy";
import { Progress, ProgressOptions, type ResourceChange } from "./progress";
import { askSecret, confirm } from "./prompt";
import type { Io } from "../io";
import { describeError, pulumiCommand } from "./pulumiCli";
import { PulumiProcesses } from "./pulumiProcess";

export type Operation = "preview" | "up" | "destroy" | "refresh" | "drift";

export interface OperateOptions {
  /** Apply without asking (and install a missing Pulumi CLI without asking). */
  yes?: boolean;
  /** Folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files. */
  projectDir: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /**
   * Called once `up` has applied successfully (or found nothing to change): what must follow a real apply, like
   * writing the allocation lock and holding the generated data keys. Throwing makes the run fail with its message.
   */
  onApplied?: (stack: AppliedStack) => void | Promise<void>;
  /** Where answers to questions come from; defaults to process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** The environment for everything this does, the Pulumi CLI included; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** May we ask questions? Defaults to whether stdin is a terminal. */
  interactive?: boolean;
  /** `up` only: runs once the preview is agreed, before it is applied (the pre-change snapshot); returns lines for the end. */
  beforeUp?: BeforeUp;
  /** Run the policy pack in policy/ on preview and up (default); false only with a loud warning. */
  policy?: boolean;
  /** Where Ctrl-C comes from; defaults to the process (tests deliver signals through an emitter). */
  signals?: SignalSource;
}

/** The stack `up` has just applied: its outputs (those of the apply, or read when nothing changed) and its config. */
export interface AppliedStack {
  name: string;
  outputs(): Promise<OutputMap>;
  /** Stores a secret in the stack's config (`pulumi config set --secret --path`); the value goes through stdin, never argv. */
  setSecret(path: string, value: string): Promise<void>;
}

/** Gets the preview's changes and the stack's decrypted config; throwing stops the `up` before anything is applied. */
export type BeforeUp = (
  changes: ResourceChange[],
  config: () => Promise<Record<string, { value: string; secret?: boolean }>>,
  out: (line: string) => void,
) => Promise<string[]>;

/** An operation's Io, and the terminal it may ask questions on. */
export interface TerminalIo extends Io {
  stdin: NodeJS.ReadableStream;
  stderr: NodeJS.WritableStream;
  yes: boolean;
  interactive: boolean;
}

/** What an engine operation needs besides the terminal: the policy pack to run, its findings, Ctrl-C handling. */
interface OperateIo extends TerminalIo {
  /** `--policy-pack` for the operations that check policy; empty with --no-policy. */
  policyPacks: string[];
  violations: PolicyViolations;
  guard: InterruptGuard;
  /** What `up` applied: its outputs, once it ran. */
  applied?: OutputMap;
}

/** What `up`, `destroy` and `refresh` change when applied; `preview` and `drift` only look. */
const CHANGES: Partial<Record<Operation, string>> = {
  up: "changes your homelab",
  destroy: "deletes every resource of the stack",
  refresh: "rewrites the stack's recorded state",
};

export function ioFrom(opts: OperateOptions): TerminalIo {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  return {
    out: (line) => stdout.write(`${line}\n`),
    err: (line) => stderr.write(`${line}\n`),
    stdin: opts.stdin ?? process.stdin,
    stderr,
    yes: opts.yes ?? false,
    interactive: opts.interactive ?? Boolean(process.stdin.isTTY),
  };
}

/** Every CLI homelab starts, so a second Ctrl-C can reach it (see pulumiProcess.ts). */
const processes = new PulumiProcesses();

/** Runs one operation and returns the process exit code; every failure is reported as one line. */
export async function operate(op: Operation, stack: string, opts: OperateOptions): Promise<number> {
  const env = opts.env ?? process.env;
  const base = ioFrom(opts);
  const io: OperateIo = {
    ...base,
    policyPacks: opts.policy === false ? [] : [POLICY_PACK],
    violations: new PolicyViolations(),
    guard: new InterruptGuard(opts.signals ?? process, processes, base.err, interruptMessages(op, stack)),
  };
  try {
    assertKnownStack(opts.projectDir, stack);
    // Refuse before any slow work: a script without --yes must not get halfway.
    if (CHANGES[op] && !io.yes && !io.interactive) {
      throw new OperateError(`homelab: '${op}' ${CHANGES[op]} and needs confirmation: re-run with --yes (or run 'homelab preview ${stack}' to only look).`);
    }
    if (op === "up" || op === "destroy") assertDockerCli(op, env);
    const { target, backend } = await openStack(stack, opts, io, "create");
    io.out(`homelab ${op} ${stack} (state: ${backend})`);
    if (opts.policy === false && CHECKS_POLICY.includes(op)) io.err(NO_POLICY_WARNING);
    const code = await run(op, target, io, opts.beforeUp);
    if (op === "up" && code === 0) await opts.onApplied?.(appliedStack(target, io.applied));
    return code;
  } catch (e) {
    if (io.guard.state !== "none") return interrupted(op, stack, io);
    if (io.violations.mandatory > 0) io.err(io.violations.stoppedLine(op));
    else io.err(failureLine(op, e));
    return e instanceof OperateError ? e.exitCode : 1;
  }
}

/** The operations the policy pack judges: the ones that plan or apply the program's resources. */
const CHECKS_POLICY: Operation[] = ["preview", "up"];

/** Thrown when an engine operation ended because of Ctrl-C, whatever the CLI made of it. */
class Interrupted extends Error {}

function interruptMessages(op: Operation, stack: string): { stopping: string; aborted: string } {
  const changes = CHANGES[op] !== undefined;
  return {
    stopping: `homelab: stopping: Pulumi starts nothing new, lets the operations under way finish, saves the state and unlocks the stack. Press Ctrl-C again to abort at once.`,
    aborted: changes
      ? `homelab: aborted at once: operations that were under way may be cut off half-way, so the state may not match the host. Run 'homelab refresh ${stack}' before the next 'homelab ${op} ${stack}'.`
      : `homelab: aborted at once; a ${op} changes nothing.`,
  };
}

/** The last word of a run that Ctrl-C ended: what state things are in and how to carry on. */
function interrupted(op: Operation, stack: string, io: OperateIo): number {
  if (io.guard.state === "stopping") {
    io.err(
      io.guard.applying
        ? `homelab: stopped. The state records every operation that finished and the stack is unlocked; run 'homelab ${op} ${stack}' to carry on from there.`
        : `homelab: stopped before anything was applied; nothing was changed.`,
    );
  }
  return INTERRUPTED_EXIT;
}

/**
 * The stack through the Automation API: the Pulumi CLI (installed if need be), the passphrase, the state
 * backend. `create` makes a missing stack (preview, up…); `select` refuses one (reading outputs).
 */
export async function openStack(stack: string, opts: OperateOptions, io: TerminalIo, mode: "create" | "select"): Promise<{ target: Stack; backend: string }> {
  const env = opts.env ?? process.env;
  const command = await pulumiCommand({
    env,
    yes: io.yes,
    interactive: io.interactive,
    stdin: io.stdin,
    stdout: opts.stdout ?? process.stdout,
    stderr: io.stderr,
  });
  const secrets = passphraseFromEnv(env) ?? (await askPassphrase(stack, io));
  const backend = resolveBackendUrl(env);
  const envVars = { ...definedOnly(env), PULUMI_BACKEND_URL: backend, PULUMI_SKIP_UPDATE_CHECK: "true", ...secrets };
  // The passphrase provider only matters on first use, when the stack is created.
  const workspace = { pulumiCommand: processes.isolate(command), envVars, secretsProvider: "passphrase" };
  const args = { stackName: stack, workDir: opts.projectDir };
  const target = mode === "create" ? await LocalWorkspace.createOrSelectStack(args, workspace) : await LocalWorkspace.selectStack(args, workspace);
  return { target, backend };
}

async function run(op: Operation, stack: Stack, io: OperateIo, beforeUp?: BeforeUp): Promise<number> {
  const events = (progress: Progress) => ({ onEvent: withDiagnostics(progress, io), color: "never" as const, signal: io.guard.signal });
  // Only preview and up (and the preview before up) load the program's resources for the pack to judge.
  const checked = (progress: Progress) => ({ ...events(progress), policyPacks: io.policyPacks });
  switch (op) {
    case "preview":
      await observe(io, { phase: "plan" }, (p) => stack.preview(checked(p)));
      return 0;
    case "drift": {
      const drift = await observe(io, { phase: "plan", refresh: true }, (p) => stack.previewRefresh(events(p)));
      if (drift.changes.length === 0) return 0;
      io.out(
        `Drift in ${drift.changes.length} resource(s): 'homelab up ${stack.name}' restores the declared config, 'homelab refresh ${stack.name}' records reality in the state.`,
      );
      return 1;
    }
    case "up": {
      let outputs: OutputMap = {};
      let notes: string[] = [];
      const snapshot = beforeUp && (async (planned: Progress) => void (notes = await beforeUp(planned.changes, () => stack.getAllConfig(), io.out)));
      const code = await planThenApply(
        io,
        stack.name,
        false,
        (p) => stack.preview(checked(p)),
        async (p) => {
          outputs = io.applied = (await stack.up(checked(p))).outputs;
        },
        snapshot,
      );
      printOutputs(io, outputs);
      for (const line of notes) io.out(line);
      return code;
    }
    case "destroy":
      return planThenApply(
        io,
        stack.name,
        false,
        (p) => stack.previewDestroy(events(p)),
        (p) => stack.destroy(events(p)),
      );
    case "refresh":
      return planThenApply(
        io,
        stack.name,
        true,
        (p) => stack.previewRefresh(events(p)),
        (p) => stack.refresh(events(p)),
      );
  }
}

function appliedStack(target: Stack, applied: OutputMap | undefined): AppliedStack {
  const workspace = target.workspace as LocalWorkspace;
  return {
    name: target.name,
    // `up` found nothing to change: no apply ran, so the outputs are read from the state.
    outputs: async () => applied ?? (await target.outputs()),
    setSecret: async (path, value) => {
      await processes.runWithInput(
        workspace.pulumiCommand,
        ["config", "set", "--path", "--secret", path, "--stack", target.name],
        workspace.workDir,
        workspace.envVars,
        value,
      );
    },
  };
}

/** Runs one engine operation with progress lines and Ctrl-C handled, then prints its summary. */
async function observe(io: OperateIo, options: ProgressOptions, work: (p: Progress) => Promise<unknown>): Promise<Progress> {
  const progress = new Progress(io.out, options);
  io.guard.applying = options.phase === "apply";
  await io.guard.during(() => work(progress));
  // Interrupted: the CLI may even have finished what it was doing, but the user asked to stop.
  if (io.guard.state !== "none") throw new Interrupted();
  for (const line of progress.summary()) io.out(line);
  return progress;
}

/** The preview is what the user agrees to; the apply then counts against its resource total. */
async function planThenApply(
  io: OperateIo,
  stack: string,
  refresh: boolean,
  plan: (p: Progress) => Promise<unknown>,
  apply: (p: Progress) => Promise<unknown>,
  beforeApply?: (planned: Progress) => Promise<void>,
): Promise<number> {
  const planned = await observe(io, { phase: "plan", refresh }, plan);
  if (planned.changes.length === 0) return 0;
  if (!io.yes && !(await confirm(`Apply these ${planned.changes.length} change(s) to stack '${stack}'?`, io.stdin, io.stderr))) {
    io.err("homelab: cancelled; nothing was changed.");
    return 1;
  }
  // Work that must happen after the user agreed and before anything changes belongs here.
  await beforeApply?.(planned);
  await observe(io, { phase: "apply", refresh, total: planned.count }, apply);
  return 0;
}

/** Progress plus the engine's warnings and errors (a failing program explains itself here). */
function withDiagnostics(progress: Progress, io: OperateIo): (event: EngineEvent) => void {
  return (event) => {
    progress.onEvent(event);
    if (event.policyEvent) io.err(io.violations.record(event.policyEvent));
    const diag = event.diagnosticEvent;
    if (diag && (diag.severity === "error" || diag.severity === "warning") && !diag.ephemeral) {
      const where = diag.urn ? ` (${diag.urn.slice(diag.urn.lastIndexOf("::") + 2)})` : "";
      io.err(`${diag.severity}${where}: ${diag.message.trim()}`);
    }
  };
}

function printOutputs(io: Io, outputs: OutputMap): void {
  const entries = Object.entries(outputs);
  if (entries.length === 0) return;
  io.out("Outputs:");
  for (const [key, output] of entries) io.out(`  ${key}: ${output.secret ? "[secret]" : JSON.stringify(output.value)}`);
}

async function askPassphrase(stack: string, io: TerminalIo): Promise<Record<string, string>> {
  if (!io.interactive) throw new OperateError(NO_PASSPHRASE);
  const passphrase = await askSecret(`Passphrase for the secrets of stack '${stack}': `, io.stdin, io.stderr);
  if (passphrase === undefined) throw new OperateError("homelab: cancelled.");
  return { PULUMI_CONFIG_PASSPHRASE: passphrase };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** One line, no stack trace. */
function failureLine(op: Operation, err: unknown): string {
  if (err instanceof OperateError) return err.message;
  return err instanceof CommandError ? `homelab: pulumi ${op} failed: ${describeError(err)}` : `homelab: ${op} failed: ${describeError(err)}`;
}
