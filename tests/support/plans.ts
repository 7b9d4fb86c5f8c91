import * as assert from "node:assert/strict";
import type { Plan, PlannedContainer } from "../../topology/types";

/** The planned container of that name; fails when there is none. */
export function container(plan: Plan, name: string): PlannedContainer {
  const c = plan.containers.find((x) => x.name === name);
  assert.ok(c, `no container ${name} in the plan`);
  return c;
}

/** The content of a file the plan generates for a container; fails when there is none. */
export function file(c: PlannedContainer, path: string): string {
  const f = (c.files ?? []).find((x) => x.path === path);
  assert.ok(f, `${c.name} has no generated file ${path}`);
  return f.content;
}

export const routeOf = (plan: Plan, service: string) => plan.routes.find((r) => r.service === service);

/** The services whose containers share another container's network namespace (routed through the VPN). */
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
