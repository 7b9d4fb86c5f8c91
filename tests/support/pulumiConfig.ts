import { NAMESPACE } from "../../config/load";
import { isSecret } from "../../config/secret";

export interface PulumiConfig {
  config: Record<string, string>;
  secretKeys: string[];
}

/**
 * A raw stack config (as readStackConfig returns it) → the string map the Pulumi engine hands a program
 * (`<project>:<key>`, objects as JSON), with the keys that held a secret listed: the inverse of
 * rawConfigFromEntries (config/load.ts). A secret is a SecretValue, or `{ "$secret": value }` in test
 * overrides; one the stack file holds encrypted becomes `mock-secret`. A null key is left out (an override
 * removing it).
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
      if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "$secret" in v) {
        secret = true;
        return (v as { $secret: unknown }).$secret;
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
