/**
 * Child process: runs the real program (index.ts) for one stack under Pulumi's mocks and prints every
 * registered resource as JSON. A fresh process per run keeps Pulumi's global runtime state isolated.
 * Input (argv[2]): JSON { stack, overrides?, projectDir }. Output: one JSON line on stdout.
 */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, readStackConfig } from "../../config/load";
import { isSecret } from "../../config/secret";
import { mockImageId } from "./mockIds";

interface Input {
  stack: string;
  projectDir: string;
  overrides?: Record<string, unknown>;
  /** Several configs that are expected to be refused, run in this one process (see rejectedRuns). */
  batch?: Record<string, unknown>[];
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
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = `${args.name}-id`;
        resources.push({ type: args.type, name: args.name, id, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = mockImageId(args.inputs.name);
        if (args.type.startsWith("random:")) state.result = `mock-${args.name}`;
        return { id, state };
      },
      call(args) {
        if (args.token.includes("getZeroTrustTunnelCloudflaredToken")) return { token: "mock-tunnel-token" };
        return {};
      },
    },
    "homelab",
    input.stack || "test",
    false,
  );
  if (input.batch) return runBatch(input.batch);
  const raw = { ...readStackConfig(input.projectDir, input.stack), ...(input.overrides ?? {}) };
  const { config, secretKeys } = toPulumiConfig(raw);
  pulumi.runtime.setAllConfig(config, secretKeys);
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

/**
 * Evaluates the program once per config in this process. Only meaningful for configs the program refuses:
 * it must throw before registering anything, so nothing leaks from one evaluation into the next.
 */
async function runBatch(batch: Record<string, unknown>[]) {
  const base = input.stack ? readStackConfig(input.projectDir, input.stack) : {};
  const indexPath = require.resolve("../../index");
  const runs: { error?: string; registered: number }[] = [];
  for (const overrides of batch) {
    const { config, secretKeys } = toPulumiConfig({ ...base, ...overrides });
    pulumi.runtime.setAllConfig(config, secretKeys);
    const before = resources.length;
    let error: string | undefined;
    delete require.cache[indexPath];
    try {
      require(indexPath);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    runs.push({ error, registered: resources.length - before });
    if (!error) break; // a config that was accepted registered resources: later runs would collide with them
  }
  process.stdout.write(JSON.stringify({ runs }) + "\n");
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ resources, error: `harness: ${e?.stack ?? e}` }) + "\n");
});
