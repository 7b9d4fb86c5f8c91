import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ARGON2ID } from "../topology/authelia";
import { fillSecretRefs, secretRefsIn, type SecretEnvRef } from "../config/secret";
import { resolveSecretEnv, type SecretEnvResolvers } from "./secretEnv";
import type { PlannedFile, PlannedSecret } from "../topology/types";

/**
 * A key guarding data outside Pulumi is never replaced for a change in how it is generated (length,
 * character set): new key + old data = unreadable data. Rotating one is deliberate (docs/operating.md).
 */
export function generatorOptions(s: PlannedSecret & { source: "generated" }): pulumi.CustomResourceOptions {
  return s.guardsData
    ? { ignoreChanges: ["length", "special", "upper", "lower", "numeric", "minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial"] }
    : {};
}

/**
 * The plan's named secrets as Pulumi secrets: generated ones with @pulumi/random (stable in state, never
 * printed), configured ones from the stack's secret config. Also fills the placeholders of generated files.
 */
export class HostSecrets extends pulumi.ComponentResource {
  private readonly values = new Map<string, pulumi.Output<string>>();
  private readonly generated = new Map<string, random.RandomPassword>();
  private readonly salts = new Map<string, pulumi.Output<string>>();
  private readonly dataKeyNames: string[] = [];

  constructor(name: string, secrets: PlannedSecret[], opts?: pulumi.ComponentResourceOptions) {
    super("homelab:index:HostSecrets", name, {}, opts);
    for (const s of secrets) {
      if (s.source === "generated") {
        const generator = this.generate(s);
        if (generator instanceof random.RandomPassword) this.generated.set(s.name, generator);
        this.values.set(s.name, pulumi.secret(generator instanceof random.RandomPassword ? generator.result : generator.hex));
        if (s.guardsData) this.dataKeyNames.push(s.name);
        continue;
      }
      if (s.value.value === undefined) throw new Error(`${s.path}: the secret could not be read`);
      // A held data key: its former generator stays registered (unused), so holding it changes nothing in the state.
      if (s.heldFrom) {
        this.generate({ name: s.name, source: "generated", purpose: s.purpose, guardsData: true, ...s.heldFrom });
        this.dataKeyNames.push(s.name);
      }
      this.values.set(s.name, pulumi.secret(pulumi.output(s.value.value)));
    }
    this.registerOutputs({ secrets: secrets.map((s) => s.name) });
  }

  private generate(s: PlannedSecret & { source: "generated" }): random.RandomPassword | random.RandomId {
    // Keys that must parse as hex (Homarr's SECRET_ENCRYPTION_KEY): random bytes, hex-encoded.
    if (s.format === "hex") return new random.RandomId(s.name, { byteLength: s.length / 2 }, { parent: this });
    // Alphanumeric: the values end up in env files, YAML and nginx includes, where quoting differs.
    return new random.RandomPassword(s.name, { length: s.length, special: false }, { parent: this, ...generatorOptions(s) });
  }

  /**
   * Every key guarding data outside Pulumi, name → the value in use (generated or held): the secret stack
   * output `homelab up` reads to hold the generated ones in `homelab:keys` (cli/operate/dataKeys.ts).
   */
  dataKeys(): pulumi.Output<Record<string, string>> {
    return pulumi.secret(pulumi.all(Object.fromEntries(this.dataKeyNames.map((n) => [n, this.value(n)]))));
  }

  value(name: string): pulumi.Output<string> {
    const v = this.values.get(name);
    if (!v) throw new Error(`the plan refers to secret '${name}', which it does not declare`);
    return v;
  }

  /** argon2id hash (PHC string) with a salt kept in state, so the hash — and the file holding it — is stable. */
  argon2id(name: string): pulumi.Output<string> {
    let salt = this.salts.get(name);
    if (!salt) {
      salt = new random.RandomPassword(`${name}-salt`, { length: ARGON2ID.saltLength, special: false }, { parent: this }).result;
      this.salts.set(name, salt);
    }
    return pulumi.secret(
      pulumi.all([this.value(name), salt]).apply(([password, s]) =>
        // Loaded here: only a stack with a chosen password hashes one (generated ones come with their bcrypt hash).
        (require("hash-wasm") as typeof import("hash-wasm")).argon2id({
          password,
          salt: Buffer.from(s, "utf8"),
          iterations: ARGON2ID.iterations,
          memorySize: ARGON2ID.memory,
          parallelism: ARGON2ID.parallelism,
          hashLength: ARGON2ID.keyLength,
          outputType: "encoded",
        }),
      ),
    );
  }

  /** The bcrypt hash the provider computed when it generated the secret (kept in state, so it never changes). */
  bcrypt(name: string): pulumi.Output<string> {
    const password = this.generated.get(name);
    if (!password) throw new Error(`the plan asks for a bcrypt hash of '${name}', which is not a generated secret`);
    return pulumi.secret(password.bcryptHash);
  }

  /** Env var → secret value, for a container's `secretEnv` (the plan's own secrets; `also` resolves other kinds). */
  env(container: string, secretEnv: Record<string, SecretEnvRef>, also: SecretEnvResolvers = {}): Record<string, pulumi.Output<string>> {
    return resolveSecretEnv(container, secretEnv, { ...also, secret: (name) => this.value(name) });
  }

  /** A generated file's content: secret references (config/secret.ts) filled in; secret when the file is or when it holds a secret. */
  content(file: PlannedFile): pulumi.Input<string> {
    const refs = secretRefsIn(file.content);
    if (refs.length === 0) return file.secret ? pulumi.secret(file.content) : file.content;
    const parts = refs.map(({ form, name }) => (form === "secret" ? this.value(name) : form === "bcrypt" ? this.bcrypt(name) : this.argon2id(name)));
    return pulumi.secret(pulumi.all(parts).apply((values) => fillSecretRefs(file.content, (_, i) => values[i])));
  }
}
