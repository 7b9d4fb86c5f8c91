import type { RecordedResource } from "../graph";

/** What the bench parent hands a program child (as a JSON file). */
export interface ProgramInput {
  stack: string;
  /** `built`: program.js, as Pulumi runs the program; `source` (default): index.ts under the child's loader. */
  entry?: "source" | "built";
  config: Record<string, string>;
  secretKeys: string[];
  /** Record every resource's inputs (for churn). */
  detail?: boolean;
  /** Record every resource's parent and dependencies (for depth). */
  graph?: boolean;
  profileImports?: boolean;
}

export type ImportProfile = Map<string, number>;

/** Timestamps are ms; `boot` and `total` since the process started, the others are phase lengths. */
export interface ProgramSample {
  phases: { boot: number; sdk: number; setup: number; program: number; settle: number; total: number };
  maxRssBytes: number;
  heapUsedBytes: number;
  registered: number;
  types: Record<string, number>;
  /** npm packages the process loaded, to see what start-up pays for. */
  packages: string[];
  resources?: RecordedResource[];
  imports?: { owner: string; selfMs: number }[];
  /** The program's own failure (config refused), or `harness: …` when the bench itself broke. */
  error?: string;
}

/** What the bench parent hands a plan child. */
export interface PlanInput {
  raw: Record<string, unknown>;
  warmRuns: number;
}

export interface PlanSample {
  /** require() of topology/plan (schema, catalog, zod, compilation), ms. */
  importMs: number;
  /** The first buildPlan in a fresh process, as a preview pays it, ms. */
  coldMs: number;
  /** Median of `warmRuns` further calls, ms. */
  warmMs: number;
  /** heapUsed growth across the cold call (GC'd before, not after): roughly what it allocates. */
  heapDeltaBytes: number;
  /** What the plan itself keeps alive (GC'd before and after). */
  retainedBytes: number;
  ok: boolean;
  errors?: string[];
  services?: number;
  containers?: number;
  networks?: number;
}
