/**
 * Child process: runs the real program (index.ts) for one stack under Pulumi's mocks and prints every
 * registered resource as JSON. A fresh process per run keeps Pulumi's global runtime state isolated.
 * Input (argv[2]): JSON { stack, overrides?, projectDir, ids? }. Output: one JSON line on stdout.
 */
import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, readStackConfig } from "../../config/load";
import { isSecret } from "../../config/secret";
import { mockOutputs } from "./mockProviders";

interface Input {
  stack: string;
  projectDir: string;
  overrides?: Record<string, unknown>;
  /** Several configs that are expected to be refused, run in this one process (see rejectedRuns). */
  batch?: Record<string, unknown>[];
  /** Mock ids for named resources instead of `<name>-id` (e.g. a replaced container's new id). */
  ids?: Record<string, string>;
  /** `built`: the entry Pulumi runs (program.js, the compiled build) instead of index.ts. */
  entry?: "source" | "built";
}

const input = JSON.parse(process.argv[2]) as Input;
const resources: { type: string; name: string; id: string; inputs: Record<string, unknown>; parent?: string; dependsOn?: string[]; provider?: string }[] = [];
/** `<type>::<name>` → names of the resources it depends on (explicit dependsOn and input dependencies), as registered. */
const dependencies = new Map<string, string[]>();
const invokes: string[] = [];

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
        const id = input.ids?.[args.name] ?? `${args.name}-id`;
        // An explicit provider arrives as `<urn>::<id>`: record the provider resource's name (default providers too).
        const provider = args.provider?.split("::").slice(-2, -1)[0];
        resources.push({ type: args.type, name: args.name, id, inputs: args.inputs, ...(provider ? { provider } : {}) });
        return { id, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs) } };
      },
      call(args) {
        invokes.push(args.token);
        if (args.token.includes("getZeroTrustTunnelCloudflaredToken")) return { token: "mock-tunnel-token" };
        return {};
      },
    },
    "homelab",
    input.stack || "test",
    false,
  );
  // The mocks do not pass dependencies to newResource; read them off the registration request instead.
  const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any }).getMonitor();
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    dependencies.set(
      `${req.getType()}::${req.getName()}`,
      (req.getDependenciesList() as string[]).map((urn) => urn.split("::").pop()!),
    );
    return registerResource(req, callback);
  };
  if (input.batch) return runBatch(input.batch);
  const raw = { ...readStackConfig(input.projectDir, input.stack), ...(input.overrides ?? {}) };
  const { config, secretKeys } = toPulumiConfig(raw);
  pulumi.runtime.setAllConfig(config, secretKeys);
  let error: string | undefined;
  let outputs: Record<string, unknown> = {};
  try {
    const program = require(input.entry === "built" ? "../../program" : "../../index");
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    for (const [k, v] of Object.entries(program)) {
      outputs[k] = pulumi.Output.isInstance(v) ? await new Promise((r) => (v as pulumi.Output<unknown>).apply(r)) : v;
    }
    await settings.waitForRPCs();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  for (const r of resources) r.dependsOn = dependencies.get(`${r.type}::${r.name}`) ?? [];
  // Which Pulumi SDK packages the program loaded, e.g. to prove a stack without remote access never loads Cloudflare's.
  const sdks = [
    ...new Set(
      Object.keys(require.cache)
        .map((f) => /node_modules\/(@pulumi\/[^/]+)\//.exec(f)?.[1])
        .filter((p): p is string => !!p),
    ),
  ].sort();
  process.stdout.write(JSON.stringify({ resources, outputs, error, invokes, sdks }) + "\n");
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
