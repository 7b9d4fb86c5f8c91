/**
 * Child process: runs the real program (index.ts) for one stack under Pulumi's mocks and prints every
 * registered resource as JSON. A fresh process per run keeps Pulumi's global runtime state isolated.
 * Input (argv[2]): JSON { stack, overrides?, projectDir, ids? }. Output: one JSON line on stdout.
 */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, readStackConfig } from "../../config/load";
import { isSecret } from "../../config/secret";

interface Input {
  stack: string;
  projectDir: string;
  overrides?: Record<string, unknown>;
  ids?: Record<string, string>;
}

const input = JSON.parse(process.argv[2]) as Input;
const resources: { type: string; name: string; id: string; inputs: Record<string, unknown>; parent?: string }[] = [];

/** Makes a stack-file config into Pulumi's string map; `{ "$secret": v }` in overrides marks a secret. */
function toPulumiConfig(raw: Record<string, unknown>): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
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
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) continue;
    secret = false;
    const plain = reveal(value);
    config[`${NAMESPACE}:${key}`] = typeof plain === "string" ? plain : JSON.stringify(plain);
    if (secret) secretKeys.push(`${NAMESPACE}:${key}`);
  }
  return { config, secretKeys };
}

async function main() {
  const raw = { ...readStackConfig(input.projectDir, input.stack), ...(input.overrides ?? {}) };
  const { config, secretKeys } = toPulumiConfig(raw);
  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = input.ids?.[args.name] ?? `${args.name}-id`;
        resources.push({ type: args.type, name: args.name, id, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${Buffer.from(args.inputs.name).toString("hex").slice(0, 32)}`;
        if (args.type.startsWith("random:")) state.result = `mock-${args.name}`;
        return { id, state };
      },
      call(args) {
        if (args.token.includes("getZeroTrustTunnelCloudflaredToken")) return { token: "mock-tunnel-token" };
        return {};
      },
    },
    "homelab",
    input.stack,
    false,
  );
  let error: string | undefined;
  let outputs: Record<string, unknown> = {};
  try {
    const program = require("../../index");
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    for (const [k, v] of Object.entries(program)) {
      outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((r) => (v as pulumi.Output<unknown>).apply(r)) : v;
    }
    await settings.waitForRPCs();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  process.stdout.write(JSON.stringify({ resources, outputs, error }) + "\n");
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ resources, error: `harness: ${e?.stack ?? e}` }) + "\n");
});
