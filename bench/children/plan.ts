/**
 * Bench child: times topology's buildPlan for one config in a fresh process (run with --expose-gc).
 * Input: argv[2] is a JSON file (PlanInput). Output: one JSON line (PlanSample).
 */
import type { PlanResult } from "../../topology/types";
import type { PlanInput, PlanSample } from "./protocol";

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const input = JSON.parse(require("node:fs").readFileSync(process.argv[2], "utf8")) as PlanInput;
const { decodeSecrets } = require("../pulumiConfig") as typeof import("../pulumiConfig");
const raw = decodeSecrets(input.raw);

const t0 = performance.now();
const { buildPlan } = require("../../topology/plan") as typeof import("../../topology/plan");
const importMs = performance.now() - t0;

gc();
const heapBefore = process.memoryUsage().heapUsed;
const t1 = performance.now();
const result: PlanResult = buildPlan(raw);
const coldMs = performance.now() - t1;
const heapDeltaBytes = process.memoryUsage().heapUsed - heapBefore;
gc();
const retainedBytes = process.memoryUsage().heapUsed - heapBefore;

const warm: number[] = [];
for (let i = 0; i < input.warmRuns; i++) {
  const t = performance.now();
  buildPlan(raw);
  warm.push(performance.now() - t);
}
warm.sort((a, b) => a - b);

const sample: PlanSample = {
  importMs,
  coldMs,
  warmMs: warm.length ? warm[Math.floor(warm.length / 2)] : NaN,
  heapDeltaBytes,
  retainedBytes,
  ok: result.ok,
  errors: result.ok ? undefined : result.errors.slice(0, 5).map((e) => `${e.path}: ${e.message}`),
  services: result.ok ? result.plan.services.length : undefined,
  containers: result.ok ? result.plan.containers.length : undefined,
  networks: result.ok ? result.plan.networks.length : undefined,
};
process.stdout.write(JSON.stringify(sample) + "\n");
