import * as assert from "node:assert/strict";
import { generatorOptions } from "../../components/HostSecrets";
import { SecretValue } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import type { PlannedSecret } from "../../topology/types";
import { stackConfig } from "../support/configs";
import { byType, CONTAINER, filesOf, recordProgram, unwrapSecrets, type ProgramRun } from "../support/program";

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
    const authelia = byType(run, CONTAINER).find((c) => c.inputs.name === "lab-authelia")!;
    assert.equal(filesOf(run, authelia)["/secrets/authelia-storage-encryption-key"], "k".repeat(64));
    assert.deepEqual(unwrapSecrets(run.outputs.dataKeys), { "authelia-storage-encryption-key": "k".repeat(64), "authelia-db-password": "p".repeat(32) });
  });

  it("held with the value the stack generated (what `homelab up` stores), change nothing: same resources, same inputs", async () => {
    const authelia = { authelia: postgresAuthelia().authelia as object };
    const generated = await recordProgram("lab", authelia);
    assert.equal(generated.error, undefined);
    const dataKeys = unwrapSecrets<Record<string, string>>(generated.outputs.dataKeys);
    assert.deepEqual(Object.keys(dataKeys).sort(), ["authelia-db-password", "authelia-storage-encryption-key"]);
    const held = await recordProgram("lab", { ...authelia, keys: { $secret: dataKeys } });
    assert.equal(held.error, undefined);
    // Every resource keeps its name and inputs, secret ones still secret (the generators stay registered, unused), so the next
    // preview shows no change: nothing replaced, nothing deleted.
    const shape = (r: ProgramRun) => r.resources.map((x) => JSON.stringify({ type: x.type, name: x.name, inputs: x.inputs })).sort();
    assert.deepEqual(shape(held), shape(generated));
    assert.ok(byType(held, RANDOM_PASSWORD).some((r) => r.name === "authelia-storage-encryption-key"));
    assert.deepEqual(unwrapSecrets(held.outputs.dataKeys), dataKeys);
  });

  it("refuses a key this stack could not have and a key in plain text; keeps one of a removed service", () => {
    const unknown = buildPlan(postgresAuthelia({ "authelia-storage-key": new SecretValue("x") }));
    assert.equal(unknown.ok, false);
    assert.deepEqual(!unknown.ok && unknown.errors.map((e) => e.path), ["homelab:keys.authelia-storage-key"]);
    assert.match(
      !unknown.ok ? unknown.errors[0].message : "",
      /no data-guarding key of that name \(it has: authelia-db-password, authelia-storage-encryption-key\)/,
    );
    // A key `up` held for a service since removed (its data may still be on disk): kept, with a warning.
    const left = buildPlan(postgresAuthelia({ "immich-db-password": new SecretValue("x".repeat(32)) }));
    assert.ok(left.ok, JSON.stringify(!left.ok && left.errors));
    assert.match(left.warnings.join("\n"), /homelab:keys\.immich-db-password: no service of this stack uses this key any more; it stays held/);
    const plain = buildPlan(postgresAuthelia({ "authelia-db-password": "hunter2" }));
    assert.equal(plain.ok, false);
    assert.match(!plain.ok ? plain.errors[0].message : "", /must be a secret/);
  });
});
