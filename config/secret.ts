/**
 * A config value the owner stored as a Pulumi secret (`pulumi config set --secret`).
 * Outside a Pulumi run (the offline CLI) the ciphertext cannot be decrypted, so `value` is undefined;
 * the plan only ever needs to know that a secret is there, never what it is.
 */
export class SecretValue {
  constructor(readonly value?: string) {}
  toJSON(): string {
    return "[secret]";
  }
  toString(): string {
    return "[secret]";
  }
}

export function isSecret(v: unknown): v is SecretValue {
  return v instanceof SecretValue;
}
