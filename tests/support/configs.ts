import { strict as assert } from "node:assert";
import { readStackConfig } from "../../config/load";
import { buildPlan } from "../../topology/plan";
import type { Plan, PlanResult } from "../../topology/types";
import { PROJECT_DIR } from "./program";

/** The raw config of a shipped stack, as the CLI and the program see it. */
export function stackConfig(stack: string): Record<string, unknown> {
  return readStackConfig(PROJECT_DIR, stack);
}

/** A small valid config to vary in unit tests. */
export function minimalConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { domain: "home.example.com", lan: "192.168.1.0/24", services: { jellyfin: {} }, ...overrides };
}

export function planOf(raw: Record<string, unknown>): Plan {
  const result = buildPlan(raw);
  if (!result.ok) throw new Error(`expected a plan, got errors:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  return result.plan;
}

export function errorsOf(result: PlanResult): string[] {
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
}

/** One mocha test per case: planning the config fails with an error that starts with the message (its key path first). */
export function itRefuses(cases: [what: string, config: Record<string, unknown>, message: string][]): void {
  for (const [what, config, message] of cases)
    it(`refuses ${what}, naming the key`, () => {
      const errors = errorsOf(buildPlan(config));
      assert.ok(
        errors.some((e) => e.startsWith(message)),
        `expected ${message}\ngot:\n${errors.join("\n")}`,
      );
    });
}
