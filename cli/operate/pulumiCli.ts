// Finding the Pulumi CLI, or installing it with the Automation API's own installer.
import { CommandError, PulumiCommand } from "@pulumi/pulumi/automation";
import * as path from "node:path";
import { homelabDir, isExecutable, OperateError, pathDirs } from "./environment";
import { confirm } from "./prompt";
import { withTimeout } from "../timeout";

const INSTALL_DOCS = "https://www.pulumi.com/docs/install/";
const DEFAULT_INSTALL_TIMEOUT_SECONDS = 120;

export interface CliContext {
  env: NodeJS.ProcessEnv;
  yes: boolean;
  interactive: boolean;
  stdin: NodeJS.ReadableStream;
  /** Gets the download notice; stderr keeps the question and, on failure, the one error line. */
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Where homelab installs the CLI when asked to: ~/.homelab/pulumi/bin/pulumi. */
export function installRoot(env: NodeJS.ProcessEnv): string {
  return path.join(homelabDir(env), "pulumi");
}

/**
 * The first `pulumi` on the caller's PATH, then homelab's own install. We search `env.PATH`
 * ourselves (PulumiCommand.get only looks at process.env.PATH) so the caller's environment decides.
 */
export function findPulumi(env: NodeJS.ProcessEnv): string | undefined {
  return [...pathDirs(env), path.join(installRoot(env), "bin")].map((dir) => path.join(dir, "pulumi")).find(isExecutable);
}

/** PulumiCommand only takes an install root (`<root>/bin/pulumi`); other layouts go by process PATH. */
function getCommand(executable: string): Promise<PulumiCommand> {
  const dir = path.dirname(executable);
  return path.basename(dir) === "bin" ? PulumiCommand.get({ root: path.dirname(dir) }) : PulumiCommand.get();
}

function missingCliLine(reason: string): string {
  return `homelab: the Pulumi CLI is not installed and could not be downloaded (${reason}). Install it from ${INSTALL_DOCS} or put 'pulumi' on PATH, then re-run.`;
}

/**
 * One line about a failure. A CommandError's message is a dump of the whole CLI run, so its
 * stderr is used: the CLI's `error:` lines if any, else its last line.
 */
export function describeError(err: unknown): string {
  if (err instanceof CommandError) {
    const stderr = (err as unknown as { commandResult?: { stderr?: string } }).commandResult?.stderr ?? "";
    const lines = stderr
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    const errors = lines.filter((line) => line.startsWith("error:")).map((line) => line.slice("error:".length).trim());
    return errors.length > 0 ? errors.join("; ") : (lines.at(-1) ?? "no error output");
  }
  const text = err instanceof Error ? err.message : String(err);
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find(Boolean) ?? "unknown error"
  );
}

async function install(ctx: CliContext): Promise<PulumiCommand> {
  const root = installRoot(ctx.env);
  const seconds = Number(ctx.env.HOMELAB_PULUMI_INSTALL_TIMEOUT_SECONDS) || DEFAULT_INSTALL_TIMEOUT_SECONDS;
  ctx.stdout.write(`homelab: downloading the Pulumi CLI into ${root} ...\n`);
  try {
    return await withTimeout(PulumiCommand.install({ root }), seconds * 1000);
  } catch (err) {
    throw new OperateError(missingCliLine(describeError(err)));
  }
}

/** A ready PulumiCommand, installing the CLI first when it is missing and the user agrees. */
export async function pulumiCommand(ctx: CliContext): Promise<PulumiCommand> {
  const executable = findPulumi(ctx.env);
  if (executable !== undefined) {
    try {
      return await getCommand(executable);
    } catch (err) {
      throw new OperateError(`homelab: the Pulumi CLI at ${executable} does not work (${describeError(err)}).`);
    }
  }
  if (ctx.yes) return install(ctx);
  if (!ctx.interactive) {
    throw new OperateError(
      `homelab: the Pulumi CLI is not installed. Install it from ${INSTALL_DOCS} or put 'pulumi' on PATH, or re-run with --yes to let homelab download it into ${installRoot(ctx.env)}.`,
    );
  }
  if (await confirm(`The Pulumi CLI is not installed. Download it into ${installRoot(ctx.env)} now?`, ctx.stdin, ctx.stderr)) {
    return install(ctx);
  }
  throw new OperateError(`homelab: the Pulumi CLI is needed for this command. Install it from ${INSTALL_DOCS} or put 'pulumi' on PATH, then re-run.`);
}
