import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { secret } from "../../config/schema";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import { rejectedRuns } from "../support/program";
import { CORPUS, HostileCase, hostileRaw } from "./corpus";

const describeErrors = (errors: { path: string; message: string }[]) => errors.map((e) => `  ${e.path}: ${e.message}`).join("\n");

describe("hostile input corpus", () => {
  it(`has at least 40 cases covering every config area`, () => {
    assert.ok(CORPUS.length >= 40, `only ${CORPUS.length} cases`);
    const areas = new Set(CORPUS.map((c) => c.area));
    for (const area of ["cidr", "names", "paths", "images", "env", "hosts", "keys", "types", "scale", "domain", "secrets", "lock", "links", "policy"] as const)
      assert.ok(areas.has(area), `no case for ${area}`);
    assert.equal(new Set(CORPUS.map((c) => c.name)).size, CORPUS.length, "case names must be unique");
  });

  for (const c of CORPUS) {
    it(`refuses (${c.area}): ${c.name}`, function () {
      const result = buildPlan(hostileRaw(c));
      assert.equal(result.ok, false, `the planner accepted it`);
      if (result.ok) return;
      // Exactly the expected errors: each case hits one fault and the planner says precisely that.
      assert.equal(result.errors.length, c.expect.length, `expected ${c.expect.length} error(s), got:\n${describeErrors(result.errors)}`);
      for (const e of c.expect) {
        assert.ok(
          result.errors.some((got) => got.path === e.path && got.message.includes(e.message)),
          `no error at ${e.path} containing ${JSON.stringify(e.message)}; got:\n${describeErrors(result.errors)}`,
        );
      }
      for (const got of result.errors) assert.ok(got.message.length < 600, `message too long to read (${got.message.length} chars)`);
      if (c.area === "scale") {
        // CPU time, not wall time (the bound is about our work, not the machine's load), measured in a fresh
        // process so it is the planner's own cost and not the GC of the heap the rest of the suite grew.
        const child = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "../support/planCpu.ts"), c.name], { encoding: "utf8" });
        assert.equal(child.status, 0, child.stderr);
        const { cpuMs, ok } = JSON.parse(child.stdout.trim().split("\n").pop()!) as { cpuMs: number; ok: boolean };
        assert.equal(ok, false, "the planner accepted it in the child");
        // Issue 13 bounds a plan of 1,000 services at 1 s; the corpus's largest case has five times as many and
        // gets twice that (it measured 0.7-1.0 s here, too close to 1 s on a shared 2-core machine to be stable).
        assert.ok(cpuMs < 2000, `took ${cpuMs} ms of CPU`);
      }
    });
  }

  it("a __proto__ key is dropped, never pollutes a prototype and never reaches the plan", () => {
    const c: HostileCase = {
      name: "proto",
      area: "keys",
      overrides: JSON.parse('{"services": {"__proto__": {"swag": {"subnet": "8.8.8.0/29", "env": {"LD_PRELOAD": "/x.so"}}}, "sonarr": {}}}'),
      expect: [],
    };
    const result = buildPlan(hostileRaw(c));
    assert.ok(result.ok, "the rest of the config is valid");
    if (!result.ok) return;
    assert.equal(({} as Record<string, unknown>).swag, undefined);
    const swag = result.plan.containers.find((x) => x.name === "lab-swag")!;
    assert.equal(swag.env.LD_PRELOAD, undefined);
    assert.ok(result.plan.networks.every((n) => !n.subnet.startsWith("8.")));
  });

  it("a custom monitoring service without dockerApi stays off vnet-socket (and gets no DOCKER_HOST)", () => {
    const result = buildPlan(
      hostileRaw({
        name: "monitoring",
        area: "policy",
        overrides: { services: { mon: { image: "example/mon:1.0", port: 3000, role: "monitoring" } } },
        expect: [],
      }),
    );
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    if (!result.ok) return;
    const mon = result.plan.containers.find((c) => c.name === "lab-mon")!;
    assert.deepEqual(mon.networks, ["lab-vnet-ingress", "lab-vnet-mon"]);
    assert.equal(mon.env.DOCKER_HOST, undefined);
    assert.equal(result.plan.socketProxy, undefined);
  });

  it("a subnet pinned for a service without a network of its own is not used, and says so", () => {
    const result = buildPlan(
      hostileRaw({ name: "unused pin", area: "cidr", overrides: { services: { dozzle: {}, cetusguard: { subnet: "8.8.8.0/29" } } }, expect: [] }),
    );
    assert.ok(result.ok);
    assert.ok(
      result.warnings.includes("homelab:services.cetusguard.subnet: cetusguard has no network of its own, so the pinned 8.8.8.0/29 is not used"),
      result.warnings.join("\n"),
    );
    if (result.ok) assert.ok(result.plan.networks.every((n) => n.subnet !== "8.8.8.0/29"));
  });

  // The corpus's "secrets" cases give the VPN, Authelia and ACME secrets in plain text; the `secret` type
  // itself is shown here to refuse plain text and look-alikes of the marker.
  describe("the secret type", () => {
    it("refuses plain text, with a message that says how to store it", () => {
      const result = secret.safeParse("hunter2");
      assert.equal(result.success, false);
      assert.match(result.error!.issues[0].message, /must be a secret: set it with `pulumi config set --secret`/);
    });
    it("refuses numbers, objects and look-alikes of the marker", () => {
      for (const v of [42, { value: "hunter2" }, { secure: "v1:abc" }, { $secret: "x" }, null, undefined])
        assert.equal(secret.safeParse(v).success, false, JSON.stringify(v));
    });
    it("accepts a stored secret, readable or not (offline the ciphertext cannot be decrypted)", () => {
      assert.ok(secret.safeParse(new SecretValue("hunter2")).success);
      assert.ok(secret.safeParse(new SecretValue(undefined)).success);
    });
  });

  it("the real program refuses every case and registers nothing", async function () {
    this.timeout(60_000);
    // One child process for the whole batch; the 5,000-service case is too large for a command-line argument.
    const cases = CORPUS.filter((c) => typeof c.overrides !== "function");
    const runs = await rejectedRuns(
      "lab",
      cases.map((c) => c.overrides as Record<string, unknown>),
    );
    assert.equal(runs.length, cases.length, `stopped after ${runs.length} case(s): ${cases[runs.length - 1]?.name} was accepted`);
    runs.forEach((run, i) => {
      const c = cases[i];
      assert.ok(run.error, `${c.name}: the program accepted it`);
      assert.equal(run.registered, 0, `${c.name}: registered ${run.registered} resource(s)`);
      const lines = run.error!.split("\n");
      for (const e of c.expect)
        assert.ok(
          lines.some((l) => l.includes(`${e.path}: `) && l.includes(e.message)),
          `${c.name}: the program's error does not say ${e.path}: …${e.message}…\n${run.error}`,
        );
    });
  });
});
