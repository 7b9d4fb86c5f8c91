// Where state lives, which stacks exist and how secrets are unlocked: everything the driver
// decides before it starts the Pulumi CLI. No Pulumi import here, so it stays trivially testable.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks } from "../../config/load";

/** Thrown for problems the user fixes by changing their setup; printed as one line, no stack trace. */
export class OperateError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "OperateError";
  }
}

export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || os.homedir();
}

/** Everything homelab keeps for itself lives under ~/.homelab (state backend, downloaded CLI). */
export function homelabDir(env: NodeJS.ProcessEnv): string {
  return path.join(homeDir(env), ".homelab");
}

/** A stack is only ever created from its stack file: a typo must not create an empty stack. */
export function assertKnownStack(projectDir: string, stack: string): void {
  if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new OperateError(`homelab: no Pulumi.yaml in ${projectDir}; run homelab from the project directory.`);
  }
  const stacks = listStacks(projectDir);
  if (stacks.includes(stack)) return;
  const known = stacks.length > 0 ? `known stacks: ${stacks.join(", ")}` : "no Pulumi.<stack>.yaml files found";
  throw new OperateError(`homelab: unknown stack '${stack}' (no Pulumi.${stack}.yaml in ${projectDir}; ${known}).`);
}

/**
 * `PULUMI_BACKEND_URL` wins (the CLI honours it too, so plain `pulumi` sees the same state);
 * otherwise a file backend under ~/.homelab/state, so nobody needs a Pulumi Cloud account.
 */
export function resolveBackendUrl(env: NodeJS.ProcessEnv): string {
  if (env.PULUMI_BACKEND_URL) return env.PULUMI_BACKEND_URL;
  const dir = path.join(homelabDir(env), "state");
  fs.mkdirSync(dir, { recursive: true });
  return `file://${dir}`;
}

/** The passphrase variables to hand to the CLI, or undefined when the user has set neither. */
export function passphraseFromEnv(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  // An empty passphrase is a legal (if weak) choice, so test for presence, not truthiness.
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return { PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return { PULUMI_CONFIG_PASSPHRASE_FILE: env.PULUMI_CONFIG_PASSPHRASE_FILE };
  return undefined;
}

export const NO_PASSPHRASE =
  "homelab: no secrets passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, or run in a terminal to be asked for it.";

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The folders of `env.PATH` (the caller's environment decides, not this process's). */
export function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? "").split(path.delimiter).filter(Boolean);
}

/** Whether an executable of that name is on the PATH of `env`. */
export function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return pathDirs(env).some((dir) => isExecutable(path.join(dir, name)));
}

/**
 * Files that follow other services are written into running containers with the Docker CLI
 * (components/containerFiles.ts): without it an apply would fail half-way, after the containers exist.
 */
export function assertDockerCli(op: string, env: NodeJS.ProcessEnv): void {
  if (!onPath("docker", env)) {
    throw new OperateError(
      `homelab: '${op}' writes generated config files into the containers with the Docker CLI, and 'docker' is not on PATH: install it (Debian: apt-get install docker.io), then re-run.`,
    );
  }
}
