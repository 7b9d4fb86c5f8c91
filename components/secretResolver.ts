import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE } from "../config/load";
import { isSecret } from "../config/secret";

/**
 * Resolves the config paths a plan names in `secretEnv` (`homelab:vpnCredentials.wireguardPrivateKey`) to
 * secret Outputs, from the raw config the program read. The plan never holds secret values; only this does.
 */
export function secretResolver(raw: Record<string, unknown>): (path: string) => pulumi.Output<string> {
  return (path) => {
    const [ns, keyPath] = path.split(/:(.*)/s);
    let value: unknown = ns === NAMESPACE ? raw : undefined;
    for (const segment of (keyPath ?? "").split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
    const plain = isSecret(value) ? value.value : value;
    if (typeof plain !== "string")
      throw new pulumi.RunError(`${path} is not set (or cannot be decrypted): pulumi config set --secret --path '${keyPath}' <value>`);
    return pulumi.secret(plain);
  };
}
