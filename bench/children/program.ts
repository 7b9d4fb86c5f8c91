/**
 * Bench child: evaluates index.ts once under Pulumi's mocks and reports how long each phase took (ms
 * since this process started), its peak RSS, and what it registered. One process per run, because
 * Pulumi's runtime state is global and start-up is part of what is measured.
 *
 * Input: argv[2] is a JSON file { config, secretKeys, stack, entry, detail, profileImports }.
 * Output: one JSON line (ProgramSample).
 *
 * Nothing is imported at the top (types only) so that the first timestamp is the cost of node plus the
 * TypeScript loader, and every later one is attributable.
 */
import type { RecordedResource } from "../graph";
import type { ImportProfile, ProgramInput, ProgramSample } from "./protocol";

const bootMs = performance.now();
// What-if: tsx turns on Node's source maps, which makes every `new Error().stack` the SDK takes (several per resource) expensive.
if (process.env.BENCH_SOURCE_MAPS === "off") process.setSourceMapsEnabled(false);
const input = JSON.parse(require("node:fs").readFileSync(process.argv[2], "utf8")) as ProgramInput;
// The bench starts every child in the project folder; this file may run compiled, from elsewhere.
const projectDir = process.cwd();
const imports = input.profileImports ? profileImports(projectDir) : undefined;

async function main(): Promise<ProgramSample> {
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const sdkMs = performance.now();

  // MockResourceArgs carries neither the parent nor the dependencies, but the monitor's request does and
  // calls newResource synchronously from registerResource: note them on the way in.
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
  const register = MockMonitor.prototype.registerResource;
  let pending: Pick<RecordedResource, "urn" | "parent" | "deps" | "custom"> | undefined;
  MockMonitor.prototype.registerResource = function (this: { newUrn(p: string, t: string, n: string): string }, req: any, callback: unknown) {
    pending = {
      urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
      parent: req.getParent() || undefined,
      deps: req.getDependenciesList(),
      custom: req.getCustom(),
    };
    return register.call(this, req, callback);
  };

  const resources: RecordedResource[] = [];
  const { mockOutputs } = require("../../tests/support/mockProviders") as typeof import("../../tests/support/mockProviders");
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const meta = pending ?? { urn: `${args.type}::${args.name}`, deps: [], custom: !!args.custom };
        pending = undefined;
        resources.push({ ...meta, type: args.type, name: args.name, inputs: input.detail ? args.inputs : undefined });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...mockOutputs(args.type, args.name, args.inputs) } };
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
  pulumi.runtime.setAllConfig(input.config, input.secretKeys);
  const setupMs = performance.now();

  let error: string | undefined;
  let evalMs = NaN;
  try {
    // `built`: program.js, the entry Pulumi runs (index.ts compiled ahead of time); else index.ts itself.
    const program = require(require("node:path").join(projectDir, input.entry === "built" ? "program.js" : "index")) as Record<string, unknown>;
    evalMs = performance.now();
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    for (const v of Object.values(program)) if (pulumi.Output.isInstance(v)) await new Promise((r) => v.apply(r));
    await settings.waitForRPCs();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const doneMs = performance.now();
  const packages = [
    ...new Set(
      Object.keys(require.cache)
        .map(packageOf)
        .filter((p): p is string => !!p),
    ),
  ].sort();
  return {
    phases: { boot: bootMs, sdk: sdkMs - bootMs, setup: setupMs - sdkMs, program: evalMs - setupMs, settle: doneMs - evalMs, total: doneMs },
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
    registered: resources.length,
    resources: input.detail || input.graph ? resources : undefined,
    types: countTypes(resources),
    packages,
    imports: imports ? [...imports.entries()].map(([owner, selfMs]) => ({ owner, selfMs })).sort((a, b) => b.selfMs - a.selfMs) : undefined,
    error,
  };
}

function countTypes(resources: RecordedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

function packageOf(file: string): string | undefined {
  const i = file.lastIndexOf("/node_modules/");
  if (i < 0) return undefined;
  const [a, b] = file.slice(i + "/node_modules/".length).split("/");
  return a.startsWith("@") ? `${a}/${b}` : a;
}

/**
 * Wraps Module._load to charge each first-time require's *self* time (its own evaluation, plus
 * TypeScript compilation for project files, minus the requires it makes) to its npm package or project folder.
 */
function profileImports(root: string): ImportProfile {
  const Module = require("node:module");
  const self: ImportProfile = new Map();
  const nested: number[] = [];
  const load = Module._load;
  const ownerOf = (file: string) => packageOf(file) ?? `project:${require("node:path").relative(root, file).split("/")[0]}`;
  Module._load = function (request: string, parent: unknown, isMain: boolean) {
    let file: string | undefined;
    try {
      file = Module._resolveFilename(request, parent, isMain);
    } catch {
      /* let the real load report it */
    }
    if (!file || !file.startsWith("/") || Module._cache[file]) return load.apply(this, arguments);
    const start = performance.now();
    nested.push(0);
    try {
      return load.apply(this, arguments);
    } finally {
      const total = performance.now() - start;
      const inner = nested.pop()!;
      const owner = ownerOf(file);
      self.set(owner, (self.get(owner) ?? 0) + total - inner);
      if (nested.length) nested[nested.length - 1] += total;
    }
  };
  return self;
}

main().then(
  (sample) => process.stdout.write(JSON.stringify(sample) + "\n"),
  (e) => process.stdout.write(JSON.stringify({ error: `harness: ${e?.stack ?? e}` }) + "\n"),
);
