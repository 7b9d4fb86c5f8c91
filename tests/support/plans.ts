import * as assert from "node:assert/strict";
import { buildPlan } from "../../topology/plan";
import type { Plan, PlannedContainer } from "../../topology/types";
import { stackConfig as shippedConfig } from "./configs";

/** A shipped stack's raw config with whole top-level keys replaced (undefined removes one). */
export function stackConfig(stack: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...shippedConfig(stack), ...overrides };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete raw[k];
  return raw;
}

export function planOf(stack: string, overrides?: Record<string, unknown>): Plan {
  const result = buildPlan(stackConfig(stack, overrides));
  if (!result.ok) assert.fail(`stack ${stack} does not plan:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  return result.plan;
}

export function container(plan: Plan, name: string): PlannedContainer {
  const c = plan.containers.find((x) => x.name === name);
  assert.ok(c, `no container ${name} in the plan`);
  return c;
}

export function file(c: PlannedContainer, path: string): string {
  const f = (c.files ?? []).find((x) => x.path === path);
  assert.ok(f, `${c.name} has no generated file ${path}`);
  return f.content;
}

export const STACKS = ["home", "lab"] as const;
