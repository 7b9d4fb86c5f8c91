import { validateStackConfig } from "../../config/schema";
import { SecretValue } from "../../config/secret";

/** Env names that hold credentials: passwords, tokens, API and private keys, claims. */
const SECRET_NAME = /pass(word|wd)?(_|$)|secret|token|api_?key|private_?key|credential|claim|auth_?key|(^|_)key$|_psk$/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A value that must reach the stack only through `pulumi config set --secret`. */
export interface SecretSetting {
  /** Key path below `homelab:`, as segments. */
  path: string[];
  value: string;
  /** Where it came from (`file:line`), for the report. */
  at: string;
}

export const configPath = (path: readonly string[]) => `homelab:${path.join(".")}`;

const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** The command that stores one secret; `--` keeps a value that starts with `-` from being read as an option. */
export function secretCommand(stack: string, s: SecretSetting, reveal: boolean): string {
  return `pulumi config set --secret --path --stack ${shellQuote(stack)} ${shellQuote(configPath(s.path))} -- ${reveal ? shellQuote(s.value) : "'…'"}`;
}

/** The script saved beside the stack file (mode 0600): the only place the imported secret values are written. */
export function secretScript(stack: string, secrets: SecretSetting[]): string {
  return [
    "#!/bin/sh",
    `# Secrets imported by \`homelab import\` for the stack ${stack}. Run it once from the project folder`,
    "# (pulumi stores each value encrypted in the stack file), then delete it.",
    "set -e",
    ...secrets.map((s) => secretCommand(stack, s, true)),
    "",
  ].join("\n");
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/**
 * The config as the stack will be once the secret commands ran: each secret stored encrypted, which the
 * offline plan sees as a secret it cannot read (config/load.ts markEncrypted).
 */
export function withSecretsSet(config: Record<string, unknown>, secrets: readonly SecretSetting[]): Record<string, unknown> {
  const copy = structuredClone(config);
  for (const s of secrets) setIn(copy, s.path, new SecretValue(undefined));
  return copy;
}

/** Whether the schema stores a secret at this path (it refuses secrets where it expects plain text). */
export function schemaTakesSecretAt(config: Record<string, unknown>, path: readonly string[]): boolean {
  const result = validateStackConfig(withSecretsSet(config, [{ path: [...path], value: "", at: "" }]));
  return result.ok || !result.errors.some((e) => e.path.startsWith(configPath(path)));
}
