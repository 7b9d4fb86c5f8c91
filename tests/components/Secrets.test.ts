import * as assert from "node:assert/strict";
import { generatorOptions } from "../../components/Secrets";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import type { PlannedSecret } from "../../topology/types";
import { stackConfig } from "../support/configs";
import { byType, CONTAINER, filesOf, recordProgram } from "../support/program";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const postgresAuthelia = (keys?: Record<string, unknown>) => ({
  ...stackConfig("lab"),
  authelia: { ...(stackConfig("lab").authelia as object), storage: "postgres" },
  ...(keys ? { keys } : {}),
});

describe("keys that guard data outside Pulumi", function () {
  this.timeout(60_000);

  it("are marked in the plan when generated: Authelia's storage encryption key and every database password", () => {
    const result = buildPlan(postgresAuthelia());
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    if (!result.ok) return;
    const guarded = result.plan
      .secrets!.filter((s) => s.source === "generated" && s.guardsData)
      .map((s) => s.name)
      .sort();
    assert.deepEqual(guarded, ["authelia-db-password", "authelia-storage-encryption-key"]);
    assert.ok(
      result.plan.secrets!.some((s) => s.name === "authelia-session-secret" && s.source === "generated" && !s.guardsData),
      "a session secret may change: it guards no data",
    );
  });

  it("are never replaced for a change in how they are generated (length, characters)", () => {
    const key: PlannedSecret & { source: "generated" } = {
      name: "authelia-storage-encryption-key",
      source: "generated",
      length: 64,
      purpose: "x",
      guardsData: true,
    };
    assert.deepEqual(generatorOptions(key).ignoreChanges?.slice(0, 2), ["length", "special"]);
    assert.deepEqual(generatorOptions({ ...key, guardsData: undefined }), {});
  });

  it("held as stack secrets in homelab:keys, replace the generated ones (they survive destroy + up)", async () => {
    const keys = { "authelia-storage-encryption-key": new SecretValue("k".repeat(64)), "authelia-db-password": new SecretValue("p".repeat(32)) };
    const result = buildPlan(postgresAuthelia(keys));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    if (!result.ok) return;
    const held = result.plan.secrets!.filter((s) => s.source === "config").map((s) => (s.source === "config" ? s.path : ""));
    assert.deepEqual(held.sort(), ["homelab:keys.authelia-db-password", "homelab:keys.authelia-storage-encryption-key"]);

    const run = await recordProgram("lab", {
      authelia: postgresAuthelia().authelia as object,
      keys: { $secret: { "authelia-storage-encryption-key": "k".repeat(64), "authelia-db-password": "p".repeat(32) } },
    });
    assert.equal(run.error, undefined);
    const generated = byType(run, RANDOM_PASSWORD).map((r) => r.name);
    assert.ok(!generated.includes("authelia-storage-encryption-key") && !generated.includes("authelia-db-password"), generated.join(", "));
    const authelia = byType(run, CONTAINER).find((c) => c.inputs.name === "lab-authelia")!;
    assert.equal(filesOf(run, authelia)["/secrets/authelia-storage-encryption-key"], "k".repeat(64));
  });

  it("refuses a key this stack does not have, and a key in plain text", () => {
    const unknown = buildPlan(postgresAuthelia({ "authelia-storage-key": new SecretValue("x") }));
    assert.equal(unknown.ok, false);
    assert.deepEqual(!unknown.ok && unknown.errors.map((e) => e.path), ["homelab:keys.authelia-storage-key"]);
    assert.match(
      !unknown.ok ? unknown.errors[0].message : "",
      /no data-guarding key of that name \(it has: authelia-db-password, authelia-storage-encryption-key\)/,
    );
    const plain = buildPlan(postgresAuthelia({ "authelia-db-password": "hunter2" }));
    assert.equal(plain.ok, false);
    assert.match(!plain.ok ? plain.errors[0].message : "", /must be a secret/);
  });
});
