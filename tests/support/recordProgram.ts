/**
 * Child process: runs the real program (index.ts) for one stack under Pulumi's mocks and prints every
 * registered resource as JSON. A fresh process per run keeps Pulumi's global runtime state isolated.
 * Input (argv[2]): JSON { stack, overrides?, projectDir, ids? }. Output: one JSON line on stdout.
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackConfig } from "../../config/load";
import { mockOutputs } from "./mockProviders";
import { toPulumiConfig } from "./pulumiConfig";
import { aliasUrn, urnOf } from "./urns";

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
const resources: {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  dependsOn?: string[];
  propertyDependencies?: Record<string, string[]>;
  urn?: string;
  aliases?: string[];
  provider?: string;
}[] = [];
/** `<type>::<name>` → what the registration request says beyond the mocks' arguments. */
const registrations = new Map<string, { dependsOn: string[]; propertyDependencies: Record<string, string[]>; urn: string; aliases: string[] }>();
const invokes: string[] = [];

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
  // The mocks pass neither dependencies nor parent nor aliases to newResource; read them off the registration request instead.
  const monitor = (require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any }).getMonitor();
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const current = {
      stack: pulumi.getStack(),
      project: pulumi.getProject(),
      type: req.getType(),
      name: req.getName(),
      parentUrn: req.getParent() || undefined,
    };
    registrations.set(`${current.type}::${current.name}`, {
      dependsOn: (req.getDependenciesList() as string[]).map((urn) => urn.split("::").pop()!),
      // Input name → the resources it comes from (what the policy server hands a stack policy as propertyDependencies).
      propertyDependencies: Object.fromEntries(
        [...(req.getPropertydependenciesMap() as Map<string, any>).entries()].map(([key, deps]) => [
          key,
          (deps.getUrnsList() as string[]).map((urn) => urn.split("::").pop()!),
        ]),
      ),
      urn: urnOf(current.stack, current.project, current.type, current.name, current.parentUrn),
      aliases: (req.getAliasesList() as any[]).map((a) => {
        const spec = a.getSpec();
        return aliasUrn(
          spec
            ? { name: spec.getName(), type: spec.getType(), parentUrn: spec.getParenturn() || undefined, noParent: spec.getNoparent() }
            : { urn: a.getUrn() },
          current,
        );
      }),
    });
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
  for (const r of resources) Object.assign(r, registrations.get(`${r.type}::${r.name}`) ?? { dependsOn: [], propertyDependencies: {}, aliases: [] });
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
