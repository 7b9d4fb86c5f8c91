import * as assert from "node:assert/strict";
import fc from "fast-check";
import { buildPlan } from "../../topology/plan";
import { SecretValue } from "../../config/secret";
import { checkPolicy } from "../../topology/policy";
import type { Plan, PlanResult } from "../../topology/types";
import { stackConfig } from "../support/configs";
import { corrupted, junk, stackConfigArb } from "../support/arbitraries";
import { PROPERTY_TIMEOUT_MS } from "../support/timeouts";

/** Independent CIDR arithmetic, so the assertions do not lean on the planner's own helpers. */
function range(cidr: string): [number, number] {
  const [addr, bits] = cidr.split("/");
  const start = addr.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  return [start, start + 2 ** (32 - Number(bits)) - 1];
}
const overlap = (a: string, b: string) => {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
};
const inside = (inner: string, outer: string) => {
  const [i0, i1] = range(inner);
  const [o0, o1] = range(outer);
  return i0 >= o0 && i1 <= o1;
};
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
const DOCKER_BRIDGE = "172.17.0.0/16";
const SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];
/** A bind source that would put the Docker socket into the container: the socket or any folder above it. */
const revealsSocket = (source: string) => {
  const p = source.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
  return SOCKETS.some((s) => s === p || s.startsWith(p === "/" ? "/" : `${p}/`));
};

/** Everything a planned stack must satisfy, stated without the planner's policy table. */
function assertPolicyHolds(plan: Plan, lan: string | undefined): void {
  assert.deepEqual(checkPolicy(plan), []);
  const networks = new Map(plan.networks.map((n) => [n.name, n]));
  assert.equal(networks.size, plan.networks.length, "network names are unique");
  assert.equal(new Set(plan.containers.map((c) => c.name)).size, plan.containers.length, "container names are unique");

  for (const c of plan.containers) {
    for (const name of c.networks) assert.ok(networks.has(name), `${c.name} joins ${name}, which does not exist`);
    assert.ok(c.networks.length > 0 || c.networkMode, `${c.name} would sit on Docker's default bridge`);
    const kinds = c.networks.map((n) => networks.get(n)!);
    if (c.role === "database" || c.role === "cache") {
      assert.ok(
        kinds.every((n) => n.kind === "service" && n.service === c.service),
        `${c.name} (${c.role}) is on ${c.networks.join(", ")}`,
      );
    }
    for (const n of kinds) if (n.kind === "service") assert.equal(n.service, c.service, `${c.name} is on another service's network ${n.name}`);
    if (c.role === "socket-proxy")
      assert.deepEqual(
        kinds.map((n) => n.kind),
        ["socket"],
        `the socket proxy is only on vnet-socket`,
      );
    for (const m of c.mounts) {
      if (m.type === "bind" && revealsSocket(m.source)) {
        assert.equal(c.role, "socket-proxy", `${c.name} mounts ${m.source}`);
        assert.equal(m.readOnly, true, `${c.name} mounts the socket read-write`);
      }
    }
    if (c.networkMode) {
      assert.deepEqual(c.networks, [], `${c.name} shares a namespace and has networks`);
      assert.deepEqual(c.hostPorts, [], `${c.name} shares a namespace and publishes ports`);
    }
    if (c.hostPorts.length) assert.ok(c.role === "proxy" || c.role === "vpn-gateway", `${c.name} (${c.role}) publishes host ports`);
  }

  for (const n of plan.networks) {
    assert.ok(
      PRIVATE.some((p) => inside(n.subnet, p)),
      `${n.name} ${n.subnet} is not private`,
    );
    assert.ok(!overlap(n.subnet, DOCKER_BRIDGE), `${n.name} ${n.subnet} overlaps Docker's bridge`);
    if (lan) assert.ok(!overlap(n.subnet, lan), `${n.name} ${n.subnet} overlaps the LAN ${lan}`);
    const [start, end] = range(n.subnet);
    assert.ok(end - start + 1 - 3 >= n.members.length, `${n.name} ${n.subnet} cannot hold its ${n.members.length} members`);
  }
  for (let i = 0; i < plan.networks.length; i++)
    for (let j = i + 1; j < plan.networks.length; j++)
      assert.ok(
        !overlap(plan.networks[i].subnet, plan.networks[j].subnet),
        `${plan.networks[i].name} ${plan.networks[i].subnet} overlaps ${plan.networks[j].name} ${plan.networks[j].subnet}`,
      );
}

/** buildPlan must answer, never throw; a refusal lists at least one readable, located problem. */
function planOrProblems(raw: unknown): PlanResult {
  let result: PlanResult;
  try {
    result = buildPlan(raw);
  } catch (e) {
    assert.fail(`buildPlan threw ${(e as Error)?.stack ?? e}`);
  }
  if (!result.ok) {
    assert.ok(result.errors.length > 0, "a refusal names at least one problem");
    for (const e of result.errors) {
      assert.equal(typeof e.path, "string");
      assert.ok(e.path.startsWith("homelab:"), `path ${e.path}`);
      assert.equal(typeof e.message, "string");
      assert.ok(e.message.length > 0 && e.message.length < 600, `message ${JSON.stringify(e.message)}`);
    }
  }
  return result;
}

/** A deep copy that keeps secrets secrets (structuredClone would turn a SecretValue into a plain object). */
function cloneConfig(v: unknown): unknown {
  if (v instanceof SecretValue) return new SecretValue(v.value);
  if (Array.isArray(v)) return v.map(cloneConfig);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneConfig(x)]));
  return v;
}

describe("property: random configs", function () {
  this.timeout(PROPERTY_TIMEOUT_MS);
  const lab = stackConfig("lab");
  const home = stackConfig("home");

  it("arbitrary junk as the whole config only ever produces validation errors", () => {
    fc.assert(
      fc.property(junk, (raw) => {
        const result = planOrProblems(raw);
        if (result.ok) assertPolicyHolds(result.plan, undefined);
      }),
      // Regressions found by this property: a BigInt made the error formatter throw; a huge unknown key gave a huge message.
      { numRuns: 1000, examples: [[{ domain: 10n }], [{ ["x".repeat(5000)]: {} }]] },
    );
  });

  it("a shipped config with one value replaced by junk only ever produces validation errors", () => {
    fc.assert(
      fc.property(fc.oneof(corrupted(lab), corrupted(home)), (raw: Record<string, unknown>) => {
        const result = planOrProblems(raw);
        if (result.ok) assertPolicyHolds(result.plan, typeof raw.lan === "string" ? raw.lan : undefined);
      }),
      { numRuns: 1500 },
    );
  });

  it("structured random configs either plan within the policy or are refused with errors", () => {
    let planned = 0;
    let refused = 0;
    const exercised = { vpn: 0, tunnel: 0, authelia: 0 };
    fc.assert(
      fc.property(stackConfigArb, (raw) => {
        const result = planOrProblems(raw);
        if (!result.ok) return void refused++;
        planned++;
        if (result.plan.containers.some((c) => c.networkMode)) exercised.vpn++;
        if (result.plan.tunnel) exercised.tunnel++;
        if (result.plan.authelia) exercised.authelia++;
        assertPolicyHolds(result.plan, raw.lan as string | undefined);
      }),
      { numRuns: 2500 },
    );
    // Both branches must be exercised for the property to mean anything.
    assert.ok(planned >= 500, `only ${planned} of ${planned + refused} random configs planned`);
    assert.ok(refused >= 250, `only ${refused} of ${planned + refused} random configs were refused`);
    // …and the planned ones must include the host stack, VPN routing and the Cloudflare tunnel (about 150/550/550 of ~600).
    assert.ok(
      exercised.vpn >= 50 && exercised.tunnel >= 150 && exercised.authelia >= 150,
      `too few planned configs use the VPN, the tunnel or Authelia: ${JSON.stringify(exercised)}`,
    );
  });

  it("planning is deterministic: the same config gives the same plan or the same errors", () => {
    fc.assert(
      fc.property(stackConfigArb, (raw) => {
        assert.deepEqual(buildPlan(cloneConfig(raw)), buildPlan(raw));
      }),
      { numRuns: 300 },
    );
  });
});
