import * as fs from "node:fs";
import * as path from "node:path";
import { parseYaml } from "./yaml";
import { boundsProblem } from "./bounds";
import { visible } from "./echo";
import { SecretValue } from "./secret";

export const NAMESPACE = "homelab";

/**
 * Turns `homelab:*` config entries into one plain object for the schema.
 * Pulumi hands the program every value as a string (objects as JSON), while the CLI reads typed YAML;
 * both go through here so the program and `homelab plan` validate exactly the same data.
 */
export function rawConfigFromEntries(entries: Iterable<[string, unknown]>, secretKeys: ReadonlySet<string> = new Set()): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of entries) {
    const [ns, ...rest] = fullKey.split(":");
    if (ns !== NAMESPACE || rest.length !== 1) continue;
    const key = rest[0];
    const decoded = typeof value === "string" ? decodeConfigString(value) : value;
    const tooBig = boundsProblem(decoded, fullKey);
    if (tooBig) throw new StackFileError(visible(tooBig));
    raw[key] = secretKeys.has(fullKey) ? markSecret(decoded) : decoded;
  }
  return raw;
}

function decodeConfigString(value: string): unknown {
  const trimmed = value.trim();
  if (/^[[{]/.test(trimmed) || /^-?\d+(\.\d+)?$/.test(trimmed) || trimmed === "true" || trimmed === "false") {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

/** Every string inside a secret config key is wrapped, so the schema can tell secret from plain text. */
function markSecret(value: unknown): unknown {
  if (typeof value === "string") return new SecretValue(value);
  if (Array.isArray(value)) return value.map(markSecret);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markSecret(v)]));
  return value;
}

/** `{ secure: "v1:…" }` in a stack file is Pulumi's encrypted form: known to exist, not readable offline. */
function markEncrypted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(markEncrypted);
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === "secure") return new SecretValue(undefined);
    return Object.fromEntries(entries.map(([k, v]) => [k, markEncrypted(v)]));
  }
  return value;
}

export function stackFilePath(projectDir: string, stack: string): string {
  return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export function listStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

export class StackFileError extends Error {}

/** Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to the program. */
export function readStackConfig(projectDir: string, stack: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackFileError(`invalid stack name ${JSON.stringify(stack)}`);
  const file = stackFilePath(projectDir, stack);
  if (!fs.existsSync(file)) {
    const known = listStacks(projectDir);
    throw new StackFileError(`no stack file ${path.basename(file)} (known stacks: ${known.join(", ") || "none"})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new StackFileError(`${path.basename(file)} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const tooBig = boundsProblem(doc, path.basename(file));
  if (tooBig) throw new StackFileError(visible(tooBig));
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  if (typeof config !== "object" || Array.isArray(config)) throw new StackFileError(`${path.basename(file)}: 'config' must be a mapping`);
  return rawConfigFromEntries(Object.entries(config).map(([k, v]) => [k, markEncrypted(v)]));
}
