import * as assert from "node:assert/strict";
import fc from "fast-check";
import { allocationLock } from "../../cli/pin";
import { CATALOG } from "../../config/catalog";
import { buildPlan } from "../../topology/plan";
import type { Plan } from "../../topology/types";
import { stackConfig } from "../support/configs";
import { PROPERTY_TIMEOUT_MS } from "../support/timeouts";

/**
 * Subnet stability (issue 2): renumbering a network replaces it and every container on it, so across random
 * sequences of adding, removing and reordering services — with the allocation lock refreshed after every step
 * exactly as `homelab network pin` does — no network that exists before and after a step may move, and
 * reordering the services map must not change any subnet at all.
 */

type Services = [string, Record<string, unknown>][];
type Step = { kind: "add" | "remove" | "reorder"; pick: number; order: number[] };

const HOME = stackConfig("home");
const PROXY = HOME.proxy as string;
const CANDIDATES = [...[...CATALOG.keys()].filter((n) => n !== "traefik" && n !== "swag"), ...Array.from({ length: 12 }, (_, i) => `custom${i}`)];
const configFor = (name: string) => (CATALOG.has(name) ? {} : { image: "traefik/whoami:v1.11.0", ...(name.length % 2 ? { port: 8000 } : {}) });

const AUTHELIA = HOME.authelia as { apiBypass?: string[] } & Record<string, unknown>;

/**
 * The home stack with `services`, `links` and `lock`. `homelab:authelia.apiBypass` names services, so — like
 * `links` on a remove step — it keeps only the services still listed, as the owner would edit it.
 */
function plan(services: Services, links: Record<string, { services: string[] }>, lock: Record<string, string>): Plan {
  const apiBypass = (AUTHELIA.apiBypass ?? []).filter((b) => services.some(([n]) => n === b));
  const result = buildPlan({ ...HOME, services: Object.fromEntries(services), links, allocations: lock, authelia: { ...AUTHELIA, apiBypass } });
  if (!result.ok) assert.fail(`the step produced an invalid config:\n${result.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
  return result.plan;
}

const subnets = (p: Plan) => new Map(p.networks.map((n) => [n.name, n.subnet]));

function apply(
  step: Step,
  services: Services,
  links: Record<string, { services: string[] }>,
): { services: Services; links: Record<string, { services: string[] }> } {
  switch (step.kind) {
    case "add": {
      const absent = CANDIDATES.filter((c) => !services.some(([n]) => n === c));
      if (!absent.length) return { services, links };
      const name = absent[step.pick % absent.length];
      return { services: [...services, [name, configFor(name)]], links };
    }
    case "remove": {
      const removable = services.filter(([n]) => n !== PROXY);
      if (!removable.length) return { services, links };
      const [name] = removable[step.pick % removable.length];
      const rest = Object.entries(links)
        .map(([l, { services: members }]) => [l, { services: members.filter((m) => m !== name) }] as const)
        .filter(([, { services: members }]) => members.length >= 2);
      return { services: services.filter(([n]) => n !== name), links: Object.fromEntries(rest) };
    }
    case "reorder": {
      const keyed = services.map((s, i) => [step.order[i % step.order.length] ?? i, i, s] as const);
      return { services: keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, , s]) => s), links };
    }
  }
}

const stepArb = fc.record({
  kind: fc.constantFrom("add", "remove", "reorder"),
  pick: fc.nat(),
  order: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
}) as fc.Arbitrary<Step>;

describe("property: subnet stability", function () {
  this.timeout(PROPERTY_TIMEOUT_MS);
  it("over 1,000 random add/remove/reorder sequences, a network that exists before and after a step keeps its subnet", () => {
    let steps = 0;
    const start = plan(
      Object.entries(HOME.services as Record<string, Record<string, unknown>>),
      HOME.links as Record<string, { services: string[] }>,
      HOME.allocations as Record<string, string>,
    );
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 6 }), (sequence) => {
        let services = Object.entries(HOME.services as Record<string, Record<string, unknown>>);
        let links = HOME.links as Record<string, { services: string[] }>;
        let before = start;
        let lock = allocationLock(before);
        for (const step of sequence) {
          ({ services, links } = apply(step, services, links));
          const after = plan(services, links, lock);
          const old = subnets(before);
          for (const [name, subnet] of subnets(after)) {
            if (old.has(name)) assert.equal(subnet, old.get(name), `${step.kind}: ${name} moved from ${old.get(name)} to ${subnet}`);
          }
          if (step.kind === "reorder") assert.deepEqual([...subnets(after)].sort(), [...old].sort(), "reordering changed the networks");
          lock = allocationLock(after);
          before = after;
          steps++;
        }
      }),
      { numRuns: 1000 },
    );
    assert.ok(steps >= 1500, `only ${steps} steps ran`);
  });

  it("pinning is a fixpoint: planning again with the lock just written changes nothing", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(CANDIDATES, { minLength: 1, maxLength: 25 }), (names) => {
        const services: Services = names.map((n) => [n, configFor(n)]);
        const first = plan(services, {}, {});
        const again = plan(services, {}, allocationLock(first));
        assert.deepEqual([...subnets(again)].sort(), [...subnets(first)].sort());
        assert.ok(
          again.networks.every((n) => n.origin !== "allocated"),
          "every network is locked after pinning",
        );
      }),
      { numRuns: 300 },
    );
  });

  it("reordering the services map never changes any subnet, with or without a lock", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(CANDIDATES, { minLength: 1, maxLength: 25 }), fc.boolean(), (names, withLock) => {
        const services: Services = names.map((n) => [n, configFor(n)]);
        const lock = withLock ? (HOME.allocations as Record<string, string>) : {};
        const forward = subnets(plan(services, {}, lock));
        const backward = subnets(plan([...services].reverse(), {}, lock));
        const sorted = subnets(
          plan(
            [...services].sort(([a], [b]) => a.localeCompare(b)),
            {},
            lock,
          ),
        );
        assert.deepEqual([...backward].sort(), [...forward].sort());
        assert.deepEqual([...sorted].sort(), [...forward].sort());
      }),
      { numRuns: 300 },
    );
  });
});
