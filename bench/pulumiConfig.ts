import { NAMESPACE } from "../config/load";
import { isSecret, SecretValue } from "../config/secret";

export interface PulumiConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * A raw stack config (as readStackConfig returns it) → the string map the Pulumi engine hands a program,
 * with the keys that held secrets listed. Done in the bench's parent so the measured child loads nothing
 * but the SDK and the program (reading YAML is the Pulumi CLI's work, not the program's).
 */
export function toPulumiConfig(raw: Record<string, unknown>): PulumiConfig {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    let secret = false;
    const reveal = (v: unknown): unknown => {
      if (isSecret(v)) {
        secret = true;
        return v.value ?? "mock-secret";
      }
      if (Array.isArray(v)) return v.map(reveal);
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
      return v;
    };
    const plain = reveal(value);
    config[`${NAMESPACE}:${key}`] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (secret) secretKeys.push(`${NAMESPACE}:${key}`);
  }
  return { config, secretKeys };
}

/** JSON for a child process that keeps secrets recognisable: a SecretValue becomes `{ "$secret": value }`. */
export function encodeSecrets(v: unknown): unknown {
  if (isSecret(v)) return { $secret: v.value ?? null };
  if (Array.isArray(v)) return v.map(encodeSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeSecrets(x)]));
  return v;
}

/** The inverse of encodeSecrets, run in the child. */
export function decodeSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeSecrets);
  if (v && typeof v === "object") {
    if (Object.keys(v).length === 1 && "$secret" in v) return new SecretValue((v as { $secret: string | null }).$secret ?? undefined);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeSecrets(x)]));
  }
  return v;
}
