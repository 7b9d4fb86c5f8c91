import { isSecret, SecretValue } from "../config/secret";

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
