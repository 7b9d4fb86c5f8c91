import * as pulumi from "@pulumi/pulumi";
import type { SecretEnvKind, SecretEnvRef } from "../config/secret";

/** How a component turns each kind of secret env reference into a value: only the kinds it can provide. */
export type SecretEnvResolvers = Partial<Record<SecretEnvKind, (key: string) => pulumi.Output<string>>>;

/**
 * A planned container's secret env (config/secret.ts SecretEnvRef) → env var → secret value. A reference of a kind
 * the component cannot provide stops the run with a clear error rather than dropping the variable.
 */
export function resolveSecretEnv(
  container: string,
  secretEnv: Record<string, SecretEnvRef>,
  resolvers: SecretEnvResolvers,
): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(
    Object.entries(secretEnv).map(([env, ref]) => {
      const resolve = resolvers[ref.kind];
      if (!resolve) throw new pulumi.RunError(`${container}: ${env} refers to ${ref.kind} '${ref.key}', which nothing here provides`);
      return [env, resolve(ref.key)];
    }),
  );
}
