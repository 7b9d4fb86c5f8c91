/**
 * Child process: the CPU time of one buildPlan of a hostile corpus case, in a fresh process. Inside the whole
 * suite the same call also pays for collecting a heap the other tests grew (process.cpuUsage counts the GC
 * threads), which has nothing to do with the planner's own cost. Argument: the case name. Output: one JSON line.
 */
import { buildPlan } from "../../topology/plan";
import { CORPUS, hostileRaw } from "../hostile/corpus";

const c = CORPUS.find((x) => x.name === process.argv[2]);
if (!c) throw new Error(`no hostile case named ${process.argv[2]}`);
const raw = hostileRaw(c);
const started = process.cpuUsage();
const result = buildPlan(raw);
const used = process.cpuUsage(started);
process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, ok: result.ok }) + "\n");
