import { randomBytes } from "node:crypto";

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

/**
 * References to named secrets inside generated files. Only code makes one, with `secretRef`: the marker
 * carries a key drawn at random when the process starts and never printed, so no text from the config (a
 * display name, an e-mail, an SMTP user) can ever be or contain one. The Pulumi layer puts the secret's
 * value (or a hash of it) where the marker is; `plan --json` shows markers as `{{secret:<name>}}`.
 *   secret   — the value
 *   argon2id — its argon2id hash (a salt kept in state)
 *   bcrypt   — the bcrypt hash the generator of a generated secret keeps in state
 */
export type SecretForm = "secret" | "argon2id" | "bcrypt";
export interface SecretRef {
  form: SecretForm;
  name: string;
}

const REF_KEY = randomBytes(12).toString("hex");
const REF_PATTERN = `\\{\\{(secret|argon2id|bcrypt):${REF_KEY}:([a-z0-9-]+)\\}\\}`;

export function secretRef(name: string, form: SecretForm = "secret"): string {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`secret name ${JSON.stringify(name)} must be lower-case letters, digits and '-'`);
  return `{{${form}:${REF_KEY}:${name}}}`;
}

/** The references in a text, in order. */
export function secretRefsIn(text: string): SecretRef[] {
  return [...text.matchAll(new RegExp(REF_PATTERN, "g"))].map(([, form, name]) => ({ form: form as SecretForm, name }));
}

/** The text with each reference replaced by `fill(ref)`. */
export function fillSecretRefs(text: string, fill: (ref: SecretRef, index: number) => string): string {
  let i = 0;
  return text.replace(new RegExp(REF_PATTERN, "g"), (_, form, name) => fill({ form, name }, i++));
}

/** For people: `{{secret:<name>}}` where a reference is. */
export function showSecretRefs(text: string): string {
  return fillSecretRefs(text, (r) => `{{${r.form}:${r.name}}}`);
}

/**
 * What a container's secret env var holds: a reference the Pulumi layer resolves, never a value. One type for the
 * three things it may name:
 *   secret       — a secret the plan declares (plan.secrets), by name: generated, or read from a secret config key
 *   config       — a secret config key read where the component needs it, by path (the VPN credentials)
 *   tunnel-token — the Cloudflare tunnel's token, which exists only once the tunnel does
 * `plan --json` shows each as the text it always had: the secret's name, the config key, or what it is.
 */
export type SecretEnvKind = "secret" | "config" | "tunnel-token";

export class SecretEnvRef {
  private constructor(
    readonly kind: SecretEnvKind,
    /** The secret's name, the config key's path, or (tunnel-token) what it is. */
    readonly key: string,
  ) {}
  static secret(name: string): SecretEnvRef {
    return new SecretEnvRef("secret", name);
  }
  static config(path: string): SecretEnvRef {
    return new SecretEnvRef("config", path);
  }
  static readonly tunnelToken = new SecretEnvRef("tunnel-token", "the tunnel token (getZeroTrustTunnelCloudflaredToken)");
  toJSON(): string {
    return this.key;
  }
  toString(): string {
    return this.key;
  }
}
