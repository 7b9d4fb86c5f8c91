import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackConfig } from "../../config/load";
import { buildPlan } from "../../topology/plan";
import type { Plan, PlanProblem } from "../../topology/types";
import { PROJECT_DIR } from "./program";

/** A shipped stack's config with whole top-level keys replaced (null removes one) and per-service settings merged in. */
export function stackWith(
  stack: string,
  overrides: Record<string, unknown> = {},
  services: Record<string, Record<string, unknown>> = {},
): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...readStackConfig(PROJECT_DIR, stack), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === null) delete raw[key];
  const current = (raw.services ?? {}) as Record<string, Record<string, unknown>>;
  raw.services = { ...current, ...Object.fromEntries(Object.entries(services).map(([name, s]) => [name, { ...current[name], ...s }])) };
  return raw;
}

/** Reads a stack file after a textual edit, the way an owner changes it. */
export function stackFileEdited(stack: string, edit: (text: string) => string): Record<string, unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-vpn-"));
  const file = `Pulumi.${stack}.yaml`;
  fs.writeFileSync(path.join(dir, file), edit(fs.readFileSync(path.join(PROJECT_DIR, file), "utf8")));
  try {
    return readStackConfig(dir, stack);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function planOf(raw: unknown): Plan {
  const result = buildPlan(raw);
  if (!result.ok) throw new Error(`expected a plan, got:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
  return result.plan;
}

export function errorsOf(raw: unknown): PlanProblem[] {
  const result = buildPlan(raw);
  if (result.ok) throw new Error("expected the plan to fail");
  return result.errors;
}

export const container = (plan: Plan, name: string) => {
  const c = plan.containers.find((c) => c.name === name);
  if (!c) throw new Error(`no container ${name} in the plan`);
  return c;
};
export const routeOf = (plan: Plan, service: string) => plan.routes.find((r) => r.service === service);
export const routedServices = (plan: Plan) =>
  plan.containers
    .filter((c) => c.networkMode)
    .map((c) => c.service)
    .sort();

/**
 * Field-level diff of two plans, keyed by what things are (container/network/service name, route host)
 * rather than by position: `containers.sabnzbd.networkMode`, `networks.vnet-sabnzbd.subnet`, …
 */
export function planDiff(a: Plan, b: Plan): string[] {
  const index = (p: Plan) => {
    const fields = new Map<string, string | undefined>();
    const add = (prefix: string, o: object) => Object.entries(o).forEach(([k, v]) => fields.set(`${prefix}.${k}`, JSON.stringify(v)));
    p.containers.forEach((c) => add(`containers.${c.name}`, c));
    p.networks.forEach((n) => add(`networks.${n.name}`, n));
    p.services.forEach((s) => add(`services.${s.name}`, s));
    p.routes.forEach((r) => add(`routes.${r.host}`, r));
    return fields;
  };
  const [x, y] = [index(a), index(b)];
  return [...new Set([...x.keys(), ...y.keys()])].filter((k) => x.get(k) !== y.get(k)).sort();
}
