// The Pulumi CLI in a process group of its own, so that Ctrl-C reaches it only through homelab.
//
// Why: a terminal's Ctrl-C signals the whole foreground process group. The Automation API starts the CLI in
// homelab's group (execa, not detached) and, when the operation's `signal` aborts, sends it SIGINT itself
// (node_modules/@pulumi/pulumi/automation/cmd.js, `exec`: `proc.kill("SIGINT")`). The CLI would then see
// two interrupts for one Ctrl-C, and its second interrupt means "terminate now"
// (pulumi/pulumi pkg/backend/cancellation_scope.go: first SIGINT cancels, the next one terminates).
// Started here with `detached: true`, the CLI hears only what homelab forwards: one interrupt per Ctrl-C.
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";

/** The SDK's result and error types; internal to it (absent from its .d.ts), used as it uses them. */
interface CommandResultLike {
  stdout: string;
  stderr: string;
  code: number;
}
const sdkCmd = require("@pulumi/pulumi/automation/cmd") as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => CommandResultLike;
};
const sdkErrors = require("@pulumi/pulumi/automation/errors") as { createCommandError: (result: CommandResultLike) => Error };

type Run = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (data: string) => void,
  onError?: (data: string) => void,
  signal?: AbortSignal,
) => Promise<CommandResultLike>;

/** The CLI processes running now: the second interrupt goes to them directly. */
export class PulumiProcesses {
  private readonly running = new Set<ChildProcess>();

  /** Interrupts every running CLI once more (the CLI's own "terminate immediately"). */
  interruptAll(): void {
    for (const child of this.running) child.kill("SIGINT");
  }

  /**
   * `command`, running the CLI the way the SDK's `PulumiCommand.run` does (same arguments, environment and
   * errors, so `StackNotFoundError` and friends still work), but detached and tracked here.
   */
  isolate(command: PulumiCommand): PulumiCommand {
    const run: Run = (...args) => this.run(command.command, args);
    return Object.assign(Object.create(command) as PulumiCommand, { run });
  }

  /**
   * Runs the CLI with `input` on its stdin: how a secret reaches `pulumi config set` without appearing in the
   * process list (it reads the value from stdin when none is given, pulumi/pulumi pkg/cmd/pulumi/config/config.go).
   */
  runWithInput(command: PulumiCommand, args: string[], cwd: string, additionalEnv: Record<string, string>, input: string): Promise<CommandResultLike> {
    return this.run(command.command, [args, cwd, additionalEnv], input);
  }

  private run(command: string, [args, cwd, additionalEnv, onOutput, onError, signal]: Parameters<Run>, input?: string): ReturnType<Run> {
    // As the SDK's run: never prompt, find the plugins bundled next to the CLI, tell it who drives it.
    const argv = args.includes("--non-interactive") ? args : [...args, "--non-interactive"];
    const env: Record<string, string | undefined> = { ...process.env, ...additionalEnv, PULUMI_AUTOMATION_API: "true" };
    if (path.isAbsolute(command)) env.PATH = path.dirname(command) + path.delimiter + (additionalEnv.PATH ?? process.env.PATH ?? "");
    return new Promise((resolve, reject) => {
      const child = spawn(command, argv, { cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
      this.running.add(child);
      child.stdin.on("error", () => undefined); // a CLI that exits without reading its stdin
      child.stdin.end(input);
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (data: string) => ((stdout += data), onOutput?.(data)));
      child.stderr.setEncoding("utf8").on("data", (data: string) => ((stderr += data), onError?.(data)));
      const interrupt = () => child.kill("SIGINT");
      signal?.addEventListener("abort", interrupt, { once: true });
      child.on("error", (err) => {
        this.running.delete(child);
        reject(sdkErrors.createCommandError(new sdkCmd.CommandResult("", err.message, -2, err)));
      });
      child.on("close", (code, killedBy) => {
        this.running.delete(child);
        signal?.removeEventListener("abort", interrupt);
        const result = new sdkCmd.CommandResult(stdout, stderr, code ?? (killedBy ? 128 : -2));
        if (result.code === 0) resolve(result);
        else reject(sdkErrors.createCommandError(result));
      });
    });
  }
}
