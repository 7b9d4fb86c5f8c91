/**
 * `npm run bench [-- --quick]`: how plan and program time, memory, start-up, churn and dependency depth
 * behave as the stack grows. Every timed figure is the median of several fresh child processes, and
 * every target is a ratio to a baseline measured in the same rounds (machines here are noisy).
 * Prints a table and writes bench/results.json.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { listStacks, readStackConfig } from "../config/load";
import { backupBench, backupTable } from "./backup";
import { changesFor, classifyChurn, type ChurnResult } from "./churn";
import type { PlanInput, PlanSample, ProgramInput, ProgramSample } from "./children/protocol";
import { dependencyShape, type DependencyShape } from "./graph";
import { toPulumiConfig } from "../tests/support/pulumiConfig";
import { encodeSecrets } from "./pulumiConfig";
import { median, mib, ms, pct, ratio, table } from "./stats";
import { aliasBombYaml, multiHostConfig, syntheticConfig, worstCasePinnedConfig } from "./synthetic";

const ROOT = path.resolve(__dirname, "..");
const QUICK = process.argv.includes("--quick");
/** `--churn`: only the collateral-churn edits (a minute, not the whole bench). */
const CHURN_ONLY = process.argv.includes("--churn");
const RUNS = QUICK ? 3 : 5;
/** Program runs of the big synthetic stacks take tens of seconds each: fewer of them. */
const BIG_RUNS = 3;
const SIZES = [25, 100, 400, 1000];
const PROGRAM_SIZES = QUICK ? [25, 100] : SIZES;
const WARM_PLANS = QUICK ? 5 : 9;
const STACKS = listStacks(ROOT);
const HEADLINE = STACKS.includes("home") ? "home" : STACKS[0];
/** Program runs of a shipped stack use its name as the Pulumi stack (names may derive from it). */
const HEAD = { stack: HEADLINE };

const TARGETS = { homePlan: 0.05, bigPlan: 1, growth: 12, startup: 2, cli: 3, collateral: 0, depth: 5 };
/** The command a user types most, as it ships (bin/homelab runs the compiled CLI). */
const CLI_PLAN = [path.join("bin", "homelab"), "plan", HEADLINE];

// ---------------------------------------------------------------- child processes

interface Proc {
  wallMs: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-bench-"));
let inputs = 0;

/** Runs `node <args>` from the project root; the input object goes through a temp file (argv is size-limited). */
function node(args: string[], input?: object, env?: Record<string, string>): Promise<Proc> {
  const file = input ? path.join(tmp, `input-${++inputs}.json`) : undefined;
  if (file) fs.writeFileSync(file, JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [...args, ...(file ? [file] : [])], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - start;
      if (file) fs.rmSync(file, { force: true });
      resolve({ wallMs, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code });
    });
  });
}

function lastJson<T>(p: Proc, what: string): T {
  const line = p.stdout.trim().split("\n").pop();
  if (!line) throw new Error(`${what}: no output (exit ${p.code})\n${p.stderr.slice(0, 2000)}`);
  const value = JSON.parse(line) as T & { error?: string };
  if (value.error?.startsWith("harness:")) throw new Error(`${what}: ${value.error}`);
  return value;
}

/** The floor: a plain node process that loads the SDK and nothing else (also: what loading it costs inside). */
const SDK_ONLY = `const t=performance.now();require("@pulumi/pulumi");const loadMs=performance.now()-t;const packages=[...new Set(Object.keys(require.cache).map((f)=>{const i=f.lastIndexOf("/node_modules/");if(i<0)return;const[a,b]=f.slice(i+14).split("/");return a.startsWith("@")?a+"/"+b:a}).filter(Boolean))];process.stdout.write(JSON.stringify({loadMs,packages})+"\\n")`;
/** What each provider SDK adds on top of @pulumi/pulumi, loaded in the order a program would. */
const PROVIDERS = `const r={};let t=performance.now();require("@pulumi/pulumi");r.pulumi=performance.now()-t;for(const p of ["@pulumi/docker","@pulumi/cloudflare","@pulumi/random"]){t=performance.now();try{require(p);r[p]=performance.now()-t}catch{r[p]=null}}process.stdout.write(JSON.stringify(r)+"\\n")`;

async function sdkFloor(args: string[] = []) {
  const p = await node([...args, "-e", SDK_ONLY]);
  const { loadMs, packages } = lastJson<{ loadMs: number; packages: string[] }>(p, "sdk floor");
  if (args.length === 0) floorPackages = new Set(packages);
  return { wallMs: p.wallMs, loadMs };
}
/** npm packages the SDK-only process loads: their cost is part of the floor, not the program's. */
let floorPackages = new Set<string>();

async function plan(raw: Record<string, unknown>, what: string): Promise<PlanSample> {
  const input: PlanInput = { raw: encodeSecrets(raw) as Record<string, unknown>, warmRuns: WARM_PLANS };
  const sample = lastJson<PlanSample>(await node(["--expose-gc", "--import", "tsx", "bench/children/plan.ts"], input), `plan ${what}`);
  if (!sample.ok) throw new Error(`plan ${what} refused: ${sample.errors?.join("; ")}`);
  return sample;
}

/** How a program child is started: as Pulumi runs the program (the headline), or one of the what-ifs. */
interface Runner {
  key: string;
  label: string;
  args: string[];
  env?: Record<string, string>;
  /** Which entry the child evaluates (see ProgramInput.entry). */
  entry: "source" | "built";
  /** Only in the full run (slow). */
  fullOnly?: boolean;
}
const CHILD = "bench/children/program.ts";
/** The child compiled to JavaScript, in the project's (git-ignored) build folder so it finds node_modules. */
const CHILD_JS = path.join(ROOT, "dist", "bench-program-child.js");
/**
 * The headline: what `pulumi preview` runs (Pulumi.yaml `main: program.js`, plain node, the program
 * compiled ahead of time), driven by the compiled bench child.
 */
const SHIPPED: Runner = { key: "shipped", label: "as Pulumi runs it: node program.js (compiled index.ts)", args: [CHILD_JS], entry: "built" };
const TSX: Runner = { key: "tsx", label: "node --import tsx index.ts (how the tests run it)", args: ["--import", "tsx", CHILD], entry: "source" };

/** Compiles the bench child (esbuild, which program.js builds with too); the program stays program.js. */
function compileChild() {
  require("esbuild").buildSync({
    entryPoints: [path.join(ROOT, CHILD)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    outfile: CHILD_JS,
    logLevel: "error",
  });
}

async function program(
  raw: Record<string, unknown>,
  what: string,
  opts: Partial<ProgramInput> = {},
  runner: Runner = SHIPPED,
): Promise<ProgramSample & { wallMs: number }> {
  const input: ProgramInput = { stack: "bench", ...toPulumiConfig(raw), entry: runner.entry, ...opts };
  const p = await node(runner.args, input, runner.env);
  const sample = lastJson<ProgramSample>(p, `program ${what} (${runner.key})`);
  return { ...sample, wallMs: p.wallMs };
}

/**
 * The start-up what-ifs, each the same child evaluating the same stack: index.ts under tsx as the tests
 * run it, with and without Node's source maps, and, in the full run, under ts-node as Pulumi's Node.js
 * runtime runs a TypeScript `main` (type-checking unless told otherwise) — what program.js replaces.
 */
function startupRunners(): Runner[] {
  const runners: Runner[] = [
    TSX,
    { key: "tsx-nomaps", label: "tsx, Node source maps off", args: TSX.args, env: { BENCH_SOURCE_MAPS: "off" }, entry: "source" },
    { key: "ts-node", label: "ts-node, transpile only", args: ["-r", "ts-node/register/transpile-only", CHILD], entry: "source", fullOnly: true },
    {
      key: "ts-node-check",
      label: "ts-node type-checking (Pulumi's default for a .ts main)",
      args: ["-r", "ts-node/register", CHILD],
      entry: "source",
      fullOnly: true,
    },
  ];
  return runners.filter((r) => !QUICK || !r.fullOnly);
}

/** Runs tasks at most `limit` at a time (only for untimed work: churn). */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

/** Reads a stack file holding a YAML alias bomb, as `homelab plan` would: how long until it is refused, and with what. */
function aliasBombRead(): { ms: number; error?: string; bytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-bench-bomb-"));
  const yaml = aliasBombYaml();
  fs.writeFileSync(path.join(dir, "Pulumi.bomb.yaml"), yaml);
  const t = performance.now();
  try {
    readStackConfig(dir, "bomb");
    return { ms: performance.now() - t, bytes: yaml.length };
  } catch (e) {
    return { ms: performance.now() - t, error: (e as Error).message, bytes: yaml.length };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- measurement

/** 1,000 services, one pinned to half the pool: the allocator's worst case, bounded at 1 s (issue 13). */
const WORST_CASE = "worst-case pins 1000";
/** The multi-host row: 300 services on one host against the same 300 spread over 3 hosts (issue 18). */
const MULTI_HOST_SIZE = 300;
const ONE_HOST = `synthetic ${MULTI_HOST_SIZE}`;
const THREE_HOSTS = `3 hosts, synthetic ${MULTI_HOST_SIZE}`;

const configs: { label: string; raw: Record<string, unknown>; services: number | string }[] = [
  { label: HEADLINE, raw: readStackConfig(ROOT, HEADLINE), services: HEADLINE },
  ...SIZES.map((n) => ({ label: `synthetic ${n}`, raw: syntheticConfig(n), services: n })),
  { label: WORST_CASE, raw: worstCasePinnedConfig(1000), services: "1000, half the pool pinned" },
  { label: ONE_HOST, raw: syntheticConfig(MULTI_HOST_SIZE), services: `${MULTI_HOST_SIZE}, one host` },
  { label: THREE_HOSTS, raw: multiHostConfig(MULTI_HOST_SIZE, 3), services: `${MULTI_HOST_SIZE}, 3 hosts` },
];

type Series = Record<string, number[]>;
const push = (s: Series, key: string, v: number) => (s[key] ??= []).push(v);

async function main() {
  const started = performance.now();
  if (CHURN_ONLY) {
    compileChild();
    const churn = await measureChurn();
    process.stdout.write(churnTable(churn.rows).join("\n") + `\n(churn only, ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    process.exitCode = churn.rows.some((row) => row.error) ? 1 : 0;
    return;
  }
  log(`homelab bench (${QUICK ? "quick" : "full"}): ${RUNS} rounds, node ${process.version}, ${os.cpus().length} CPUs`);

  // Warm the disk cache and tsx's compile cache so round 1 is not an outlier; the first shipped run
  // also (re)builds dist/program.js if a source changed, as the first preview after an edit would.
  compileChild();
  await sdkFloor();
  await plan(configs[0].raw, "warm-up");
  await program(configs[0].raw, "warm-up", HEAD);
  await node(CLI_PLAN); // (re)builds dist/cli.js if a source changed, as the first command after an edit would

  const runners = startupRunners();
  const s: Series = {};
  const planSamples: Record<string, PlanSample[]> = {};
  const programSamples: Record<string, (ProgramSample & { wallMs: number })[]> = {};
  for (let round = 1; round <= RUNS; round++) {
    log(`round ${round}/${RUNS}`);
    // Baselines and subjects alternate inside each round, so drift hits both alike.
    const floor = await sdkFloor();
    push(s, "floor.wall", floor.wallMs);
    push(s, "sdk.load", floor.loadMs);
    push(s, "node.wall", (await node(["-e", "0"])).wallMs);
    push(s, "tsx.wall", (await node(["--import", "tsx", "-e", "0"])).wallMs);
    push(s, "cli.plan.wall", (await node(CLI_PLAN)).wallMs);
    for (const c of configs) (planSamples[c.label] ??= []).push(await plan(c.raw, c.label));
    for (const c of configs.filter((c) => c.services === HEADLINE || PROGRAM_SIZES.includes(c.services as number))) {
      if (typeof c.services === "number" && c.services >= 400 && round > BIG_RUNS) continue;
      const sample = await program(c.raw, c.label, typeof c.services === "string" ? { stack: c.services } : {});
      if (sample.error) throw new Error(`the program refused ${c.label}: ${sample.error}`);
      (programSamples[c.label] ??= []).push(sample);
    }
    const tsxSdk = await sdkFloor(["--import", "tsx"]);
    push(s, "sdk.load.tsx", tsxSdk.loadMs);
    for (const runner of runners) {
      if (runner.fullOnly && round > BIG_RUNS) continue;
      const sample = await program(configs[0].raw, runner.label, HEAD, runner);
      push(s, `startup.${runner.key}.wall`, sample.wallMs);
      push(s, `startup.${runner.key}.sdk`, sample.phases.sdk);
      push(s, `startup.${runner.key}.program`, sample.phases.program);
    }
    const providers = lastJson<Record<string, number | null>>(await node(["-e", PROVIDERS]), "provider load");
    for (const [k, v] of Object.entries(providers)) if (v !== null) push(s, `load.${k}`, v);
  }

  log("import profile, dependency graphs, churn");
  const profiles = [];
  for (let i = 0; i < (QUICK ? 1 : 3); i++) profiles.push(await program(configs[0].raw, "import profile", { ...HEAD, profileImports: true }));
  const importCost: Record<string, number> = {};
  for (const owner of new Set(profiles.flatMap((p) => p.imports!.map((x) => x.owner))))
    importCost[owner] = median(profiles.map((p) => p.imports!.find((x) => x.owner === owner)?.selfMs ?? 0));

  const churn = await measureChurn();
  const depth: Record<string, DependencyShape> = {};
  for (const [stack, run] of Object.entries(churn.baselines)) depth[stack] = dependencyShape(run.resources!);
  for (const n of [100]) depth[`synthetic ${n}`] = dependencyShape((await program(syntheticConfig(n), `graph ${n}`, { graph: true })).resources!);

  report({ s, planSamples, programSamples, importCost, churn, depth, profiles, runners, seconds: (performance.now() - started) / 1000 });
  fs.rmSync(tmp, { recursive: true, force: true });
  await reportBackup();
}

/** The restic rows (bench/backup.ts), printed after the main report and added to results.json. */
async function reportBackup() {
  log(`backup: first and unchanged second restic run (${QUICK ? "20" : "200"} MB tree)`);
  const backup = await backupBench(QUICK);
  process.stdout.write(`\n== Backups\n${backupTable(backup)}\n`);
  const file = path.join(ROOT, "bench", "results.json");
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), backup }, null, 2) + "\n");
}

async function measureChurn() {
  const baselines: Record<string, ProgramSample> = {};
  const rows: { stack: string; change: string; kind: string; na?: string; result?: ChurnResult; error?: string }[] = [];
  const tasks: (() => Promise<void>)[] = [];
  const perStack = STACKS.map((stack) => ({ stack, raw: readStackConfig(ROOT, stack) }));
  for (const { stack, raw } of perStack)
    tasks.push(async () => void (baselines[stack] = await program(raw, `${stack} baseline`, { detail: true, graph: true, stack })));
  await pool(tasks, 2);
  const after: (() => Promise<void>)[] = [];
  for (const { stack, raw } of perStack) {
    let changes: ReturnType<typeof changesFor>;
    try {
      if (baselines[stack].error) throw new Error(`the program refuses the stack: ${baselines[stack].error}`);
      changes = changesFor(raw);
    } catch (e) {
      rows.push({ stack, change: "(all edits)", kind: "-", error: (e as Error).message });
      continue;
    }
    for (const change of changes) {
      const row: (typeof rows)[number] = { stack, change: change.label, kind: change.kind, na: change.na };
      rows.push(row);
      if (!change.raw) continue;
      after.push(async () => {
        const base = change.base ? await program(change.base, `${stack}: before ${change.label}`, { detail: true, graph: true, stack }) : baselines[stack];
        const run = await program(change.raw!, `${stack}: ${change.label}`, { detail: true, graph: true, stack });
        if (base.error || run.error) row.error = base.error ?? run.error;
        else row.result = classifyChurn(change, base.resources!, run.resources!);
      });
    }
  }
  await pool(after, 2);
  return { baselines, rows };
}

// ---------------------------------------------------------------- report

function log(line: string) {
  process.stderr.write(`${line}\n`);
}

function report(r: {
  s: Series;
  planSamples: Record<string, PlanSample[]>;
  programSamples: Record<string, (ProgramSample & { wallMs: number })[]>;
  importCost: Record<string, number>;
  churn: Awaited<ReturnType<typeof measureChurn>>;
  depth: Record<string, DependencyShape>;
  profiles: ProgramSample[];
  runners: Runner[];
  seconds: number;
}) {
  const m = (key: string) => median(r.s[key] ?? []);
  const sdkLoad = m("sdk.load");
  const floorWall = m("floor.wall");
  const planM = (label: string, f: keyof PlanSample) => median(r.planSamples[label].map((x) => x[f] as number));
  const out: string[] = [];
  const section = (title: string) => out.push("", `== ${title}`);

  section(`Baselines (medians of ${RUNS})`);
  out.push(
    table([
      ["measure", "time"],
      ["node -e 0 (process floor)", ms(m("node.wall"))],
      ["node --import tsx -e 0", ms(m("tsx.wall"))],
      [`homelab plan ${HEADLINE} (bin/homelab, whole process)`, ms(m("cli.plan.wall"))],
      ["node: require(@pulumi/pulumi), whole process = SDK floor", ms(floorWall)],
      ["  of which the require itself = SDK load", ms(sdkLoad)],
      ["  the same require under tsx's loader hooks", ms(m("sdk.load.tsx"))],
    ]),
  );

  section("1. Plan (topology/buildPlan, fresh process per run; cold = first call, warm = median of later calls)");
  const planRows = [["config", "services", "containers", "networks", "import", "cold", "warm", "heap Δ", "retained", "cold/SDK load"]];
  for (const c of configs) {
    const first = r.planSamples[c.label][0];
    planRows.push([
      c.label,
      String(first.services),
      String(first.containers),
      String(first.networks),
      ms(planM(c.label, "importMs")),
      ms(planM(c.label, "coldMs")),
      ms(planM(c.label, "warmMs")),
      mib(planM(c.label, "heapDeltaBytes")),
      mib(planM(c.label, "retainedBytes")),
      pct(planM(c.label, "coldMs") / sdkLoad),
    ]);
  }
  out.push(table(planRows));
  const growthCold = planM("synthetic 1000", "coldMs") / planM("synthetic 100", "coldMs");
  const growthWarm = planM("synthetic 1000", "warmMs") / planM("synthetic 100", "warmMs");
  out.push(`time(1000)/time(100): cold ${ratio(growthCold)}, warm ${ratio(growthWarm)} (linear = 10×; the target uses the larger)`);
  const multiHost = { cold: planM(THREE_HOSTS, "coldMs") / planM(ONE_HOST, "coldMs"), warm: planM(THREE_HOSTS, "warmMs") / planM(ONE_HOST, "warmMs") };
  out.push(`3 hosts/1 host, ${MULTI_HOST_SIZE} services: cold ${ratio(multiHost.cold)}, warm ${ratio(multiHost.warm)} (the cost of placing on hosts)`);

  section(`2. Program under mocks (fresh process per run, ${SHIPPED.label}; eval = require(program) until every resource and output resolved)`);
  const progRows = [["config", "runs", "resources", "wall", "eval", "eval/SDK load", "ms/resource", "peak RSS", "heap"]];
  const evalOf = (x: ProgramSample) => x.phases.program + x.phases.settle;
  for (const [label, samples] of Object.entries(r.programSamples)) {
    const ev = median(samples.map(evalOf));
    progRows.push([
      label,
      String(samples.length),
      String(samples[0].registered),
      ms(median(samples.map((x) => x.wallMs))),
      ms(ev),
      ratio(ev / sdkLoad),
      (ev / samples[0].registered).toFixed(2),
      mib(median(samples.map((x) => x.maxRssBytes))),
      mib(median(samples.map((x) => x.heapUsedBytes))),
    ]);
  }
  out.push(table(progRows));
  const headSamples = r.programSamples[HEADLINE];
  out.push(
    `${HEADLINE} registers: ${Object.entries(headSamples[0].types)
      .map(([t, n]) => `${n} ${t.replace(/^.*:/, "")}`)
      .join(", ")}`,
  );

  section(`3. Start-up: whole process evaluating ${HEADLINE} under mocks vs the SDK floor`);
  const homeWall = median(headSamples.map((x) => x.wallMs));
  const phase = (k: keyof ProgramSample["phases"]) => median(headSamples.map((x) => x.phases[k]));
  out.push(
    table([
      ["where the time goes (medians)", "time", "share"],
      ["node + bench child (to its first line)", ms(phase("boot")), pct(phase("boot") / phase("total"))],
      ["require(@pulumi/pulumi)", ms(phase("sdk")), pct(phase("sdk") / phase("total"))],
      ["require(program.js): its imports + registering resources", ms(phase("program")), pct(phase("program") / phase("total"))],
      ["settle: mocks answer, outputs resolve", ms(phase("settle")), pct(phase("settle") / phase("total"))],
      ["total in process", ms(phase("total")), ""],
      ["whole process wall (incl. spawn/exit)", ms(homeWall), ""],
    ]),
  );
  const variantRows = [["variant (same child, same stack)", "runs", "wall", "require(SDK)", "require(program)", "wall/SDK floor"]];
  variantRows.push([SHIPPED.label, String(headSamples.length), ms(homeWall), ms(phase("sdk")), ms(phase("program")), ratio(homeWall / floorWall)]);
  for (const v of r.runners) {
    const k = (x: string) => m(`startup.${v.key}.${x}`);
    variantRows.push([
      `what-if: ${v.label}`,
      String(r.s[`startup.${v.key}.wall`]?.length ?? 0),
      ms(k("wall")),
      ms(k("sdk")),
      ms(k("program")),
      ratio(k("wall") / floorWall),
    ]);
  }
  variantRows.push(["SDK floor: node -e 'require(\"@pulumi/pulumi\")'", String(r.s["floor.wall"].length), ms(floorWall), ms(sdkLoad), "", "1.00×"]);
  out.push(table(variantRows));
  const importRows = [["self time of first-time requires (import profile, as Pulumi runs it)", "time", "in the SDK floor too?"]];
  for (const [owner, t] of Object.entries(r.importCost)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 14))
    importRows.push([
      owner === "project:dist" ? "project:dist (the compiled program; its body registers every resource)" : owner,
      ms(t),
      owner.startsWith("project:") ? "no (the program)" : floorPackages.has(owner) ? "yes" : "no",
    ]);
  const programOnly = Object.entries(r.importCost).filter(([o]) => !o.startsWith("project:") && !floorPackages.has(o));
  importRows.push(["all packages the SDK alone does not load", ms(programOnly.reduce((a, [, t]) => a + t, 0)), programOnly.map(([o]) => o).join(" ")]);
  out.push(table(importRows));
  const loaded = r.profiles[0].packages;
  out.push(
    `provider SDK load on top of @pulumi/pulumi: ${["@pulumi/docker", "@pulumi/cloudflare", "@pulumi/random"].map((p) => `${p} ${ms(m(`load.${p}`))}`).join(", ")}`,
    ...Object.entries(r.churn.baselines).map(
      ([stack, run]) =>
        `loaded by the ${stack} program: ${["@pulumi/docker", "@pulumi/cloudflare", "@pulumi/random", "@pulumi/command", "zod", "yaml", "js-yaml", "dockerode"].map((p) => `${p} ${run.packages.includes(p) ? "yes" : "no"}`).join(", ")}`,
    ),
  );

  out.push(...churnTable(r.churn.rows));
  const collateral = r.churn.rows.reduce((n, row) => n + (row.result?.collateral.length ?? 0), 0);

  section("5. Dependency depth (custom resources; a component stands for its children)");
  const depthRows = [["config", "resources", "depth", "widest level", "per level", "longest chain"]];
  for (const [label, d] of Object.entries(r.depth))
    depthRows.push([label, String(d.levels.reduce((a, b) => a + b, 0)), String(d.depth), String(d.widest), d.levels.join("/"), d.chain.join(" → ")]);
  out.push(table(depthRows));

  section("Targets");
  const maxDepth = Math.max(
    ...Object.entries(r.depth)
      .filter(([k]) => STACKS.includes(k))
      .map(([, d]) => d.depth),
  );
  const applicable = r.churn.rows.filter((x) => x.result).length;
  const naCount = r.churn.rows.filter((x) => x.na).length;
  const errors = r.churn.rows.filter((x) => x.error).length;
  const bomb = aliasBombRead();
  out.push(`alias bomb (${bomb.bytes} bytes of YAML, 10^9 values expanded): refused in ${ms(bomb.ms)}: ${bomb.error}`);
  const verdicts = [
    { target: `plan(${WORST_CASE}) ≤ 1 s`, value: ms(planM(WORST_CASE, "coldMs")), pass: planM(WORST_CASE, "coldMs") <= 1000 },
    { target: "alias bomb refused ≤ 1 s", value: ms(bomb.ms), pass: bomb.ms <= 1000 && !!bomb.error },
    {
      target: `plan(${HEADLINE}) ≤ ${pct(TARGETS.homePlan)} of SDK load`,
      value: pct(planM(configs[0].label, "coldMs") / sdkLoad),
      pass: planM(configs[0].label, "coldMs") / sdkLoad <= TARGETS.homePlan,
    },
    {
      target: `plan(1000) ≤ ${TARGETS.bigPlan}× SDK load`,
      value: ratio(planM("synthetic 1000", "coldMs") / sdkLoad),
      pass: planM("synthetic 1000", "coldMs") / sdkLoad <= TARGETS.bigPlan,
    },
    {
      target: `plan time(1000)/time(100) ≤ ${TARGETS.growth}`,
      value: ratio(Math.max(growthCold, growthWarm)),
      pass: Math.max(growthCold, growthWarm) <= TARGETS.growth,
    },
    { target: `start-up(${HEADLINE}) ≤ ${TARGETS.startup}× SDK floor`, value: ratio(homeWall / floorWall), pass: homeWall / floorWall <= TARGETS.startup },
    {
      target: `homelab plan ${HEADLINE} ≤ ${TARGETS.cli}× node -e 0`,
      value: ratio(m("cli.plan.wall") / m("node.wall")),
      pass: m("cli.plan.wall") / m("node.wall") <= TARGETS.cli,
    },
    {
      target: "zero collateral churn",
      value: `${collateral} in ${applicable} edits (${naCount} n/a${errors ? `, ${errors} failed` : ""})`,
      pass: collateral === 0 && errors === 0,
    },
    { target: `dependency depth ≤ ${TARGETS.depth}`, value: String(maxDepth), pass: maxDepth <= TARGETS.depth },
  ];
  out.push(table([["target", "measured", "verdict"], ...verdicts.map((v) => [v.target, v.value, v.pass ? "PASS" : "MISS"])]));
  out.push(`(${QUICK ? "quick" : "full"} run, ${r.seconds.toFixed(0)} s)`);
  process.stdout.write(out.join("\n") + "\n");

  const results = {
    mode: QUICK ? "quick" : "full",
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    rounds: RUNS,
    seconds: r.seconds,
    cli: { planWallMs: m("cli.plan.wall"), ratioToNode: m("cli.plan.wall") / m("node.wall") },
    baselines: {
      nodeWallMs: m("node.wall"),
      tsxWallMs: m("tsx.wall"),
      sdkFloorWallMs: floorWall,
      sdkLoadMs: sdkLoad,
      providerLoadMs: Object.fromEntries(
        Object.keys(r.s)
          .filter((k) => k.startsWith("load."))
          .map((k) => [k.slice(5), m(k)]),
      ),
    },
    plan: Object.fromEntries(
      configs.map((c) => [c.label, { samples: r.planSamples[c.label], medianColdMs: planM(c.label, "coldMs"), medianWarmMs: planM(c.label, "warmMs") }]),
    ),
    planGrowth: { cold: growthCold, warm: growthWarm },
    multiHostPlan: multiHost,
    program: Object.fromEntries(Object.entries(r.programSamples).map(([k, v]) => [k, v.map((x) => ({ ...x, resources: undefined }))])),
    startup: {
      wallMs: homeWall,
      floorWallMs: floorWall,
      ratio: homeWall / floorWall,
      whatIfs: Object.fromEntries(
        r.runners.map((v) => [v.key, { label: v.label, wallMs: m(`startup.${v.key}.wall`), ratio: m(`startup.${v.key}.wall`) / floorWall }]),
      ),
      importSelfMs: r.importCost,
      packagesLoaded: loaded,
    },
    churn: r.churn.rows,
    depth: r.depth,
    targets: verdicts,
  };
  fs.writeFileSync(path.join(ROOT, "bench", "results.json"), JSON.stringify(results, null, 2) + "\n");
}

type ChurnRow = Awaited<ReturnType<typeof measureChurn>>["rows"][number];

function churnTable(rows: ChurnRow[]): string[] {
  const out: string[] = [];
  out.push("", "== 4. Collateral churn (one-line edits, program before/after under mocks; needed vs collateral per classifyChurn)");
  const churnRows = [["stack", "change", "changed", "needed", "collateral", "detail"]];
  for (const row of rows) {
    if (row.na || row.error) {
      churnRows.push([row.stack, row.change, "–", "–", "–", row.na ?? `error: ${row.error!.split("\n")[0].slice(0, 120)}`]);
      continue;
    }
    const res = row.result!;
    const detail = res.collateral.length ? res.collateral.map((f) => `${f.op} ${f.name}: ${f.why}`).join("; ") : summarize(res);
    churnRows.push([
      row.stack,
      row.change,
      String(res.needed.length + res.collateral.length),
      String(res.needed.length),
      String(res.collateral.length),
      detail.slice(0, 140),
    ]);
  }
  out.push(table(churnRows));
  return out;
}

function summarize(res: ChurnResult): string {
  const counts: Record<string, number> = {};
  for (const f of res.needed) counts[`${f.op} ${f.type.replace(/^.*:/, "")}`] = (counts[`${f.op} ${f.type.replace(/^.*:/, "")}`] ?? 0) + 1;
  return Object.entries(counts)
    .map(([k, n]) => `${n}× ${k}`)
    .join(", ");
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e?.stack ?? e}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
