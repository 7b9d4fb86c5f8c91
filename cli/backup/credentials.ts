// The repository's password and backend keys: restic's own environment variables when set (scripts,
// tests, a password manager), else the stack's secret config `homelab:backupCredentials`, decrypted by Pulumi.
import * as path from "node:path";
import { CREDENTIAL_ENV } from "../../config/backupSchema";
import type { BackupPlan } from "../../topology/types";
import { BackupError, type Repository } from "./restic";

type ConfigMap = Record<string, { value: string; secret?: boolean }>;

const RESTIC_ENV = [...Object.values(CREDENTIAL_ENV), "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND"];

/** The credentials restic would read from this environment, if its password is among them. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  if (env.RESTIC_PASSWORD === undefined && !env.RESTIC_PASSWORD_FILE && !env.RESTIC_PASSWORD_COMMAND) return undefined;
  return Object.fromEntries(RESTIC_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
}

/** `homelab:backupCredentials` from a decrypted stack config (Automation API `getAllConfig`). */
export function credentialsFromConfig(config: ConfigMap): Record<string, string> {
  const raw = config["homelab:backupCredentials"]?.value;
  if (raw === undefined)
    throw new BackupError(
      "homelab: homelab:backupCredentials.password is not set: pulumi config set --secret --path 'homelab:backupCredentials.password' <password>",
    );
  const fields = JSON.parse(raw) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(CREDENTIAL_ENV)
      .filter(([field]) => typeof fields[field] === "string")
      .map(([field, env]) => [env, fields[field]]),
  );
}

export function repositoryOf(backup: BackupPlan, credentials: Record<string, string>): Repository {
  return { url: backup.repository, env: credentials };
}

/**
 * The stack's config decrypted by the Pulumi CLI (it holds the passphrase-encrypted secrets). Only when
 * restic's variables are not set; needs the Pulumi CLI and PULUMI_CONFIG_PASSPHRASE(_FILE), like `homelab up`.
 */
export async function configFromPulumi(projectDir: string, stack: string, env: NodeJS.ProcessEnv): Promise<ConfigMap> {
  const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
  const { findPulumi } = await import("../operate/pulumiCli");
  const { NO_PASSPHRASE, passphraseFromEnv, resolveBackendUrl } = await import("../operate/environment");
  const executable = findPulumi(env);
  if (!executable)
    throw new BackupError(
      "homelab: set RESTIC_PASSWORD (or RESTIC_PASSWORD_FILE), or install the Pulumi CLI so homelab can read homelab:backupCredentials; nothing was changed",
    );
  const secrets = passphraseFromEnv(env);
  if (!secrets) throw new BackupError(`${NO_PASSPHRASE.replace(/\.$/, "")} (or set RESTIC_PASSWORD); nothing was changed`);
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(executable)) });
  const envVars = {
    ...Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    PULUMI_BACKEND_URL: resolveBackendUrl(env),
    ...secrets,
  };
  const selected = await LocalWorkspace.selectStack({ stackName: stack, workDir: projectDir }, { pulumiCommand, envVars });
  return selected.getAllConfig();
}
