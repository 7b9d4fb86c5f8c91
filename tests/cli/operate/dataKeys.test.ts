// `homelab up` holds the generated data keys as stack secrets (cli/operate/dataKeys.ts), driven end to end
// against the fake `pulumi` (tests/cli/operate/fixtures/bin/pulumi: its `config set` reads the value from stdin as the CLI does).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { holdDataKeys, unheldDataKeys } from "../../../cli/operate/dataKeys";
import { SecretValue } from "../../../config/secret";
import { buildPlan } from "../../../topology/plan";
import type { Plan } from "../../../topology/types";
import { stackConfig } from "../../support/configs";
import { calls, removeSandboxes, run, sandbox, stateBackend, type Sandbox } from "../../support/operate";

const KEYS = { "authelia-db-password": "p".repeat(32) + "DBPW", "authelia-storage-encryption-key": "k".repeat(60) + "STOR" };

function planOf(keys?: Record<string, SecretValue>): Plan {
  const result = buildPlan({
    ...stackConfig("lab"),
    authelia: { ...(stackConfig("lab").authelia as object), storage: "postgres" },
    ...(keys ? { keys } : {}),
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.plan;
}

interface HeldEntry {
  key: string;
  value: string;
  secret: boolean;
  path: boolean;
}
const held = (box: Sandbox): HeldEntry[] => {
  const file = stateBackend(box, ".fake-config", "lab.json");
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as HeldEntry[]) : [];
};

/** `homelab up`'s onApplied (cli/main.ts) for a plan, with its lines captured. */
const upWith = (box: Sandbox, plan: Plan, env: NodeJS.ProcessEnv = {}) => {
  const said: string[] = [];
  return run(box, "up", "lab", {
    yes: true,
    env: { ...box.env, ...env },
    onApplied: (stack) => holdDataKeys(plan, stack, (l) => said.push(l)).then(() => undefined),
  }).then((result) => ({ ...result, said }));
};

describe("homelab up holds the generated data keys in homelab:keys", function () {
  after(removeSandboxes);

  it("after a successful apply: each generated key as a secret at its path, the value through stdin, never printed", async () => {
    const plan = planOf();
    assert.deepEqual(unheldDataKeys(plan).sort(), Object.keys(KEYS));
    const box = sandbox({ FAKE_PULUMI_DATA_KEYS: JSON.stringify(KEYS) });
    const result = await upWith(box, plan);
    assert.equal(result.code, 0, result.err);
    assert.deepEqual(
      held(box).sort((a, b) => a.key.localeCompare(b.key)),
      Object.entries(KEYS).map(([name, value]) => ({ key: `homelab:keys.${name}`, value, secret: true, path: true })),
    );
    assert.match(
      result.said.join("\n"),
      /held 2 data key\(s\) as stack secrets in Pulumi\.lab\.yaml \(homelab:keys\): authelia-db-password, authelia-storage-encryption-key/,
    );
    // Never a value: not in what homelab printed, not in any CLI's arguments (the process list).
    const everything = [result.out, result.err, ...result.said, ...calls(box).map((c) => c.argv.join(" "))].join("\n");
    for (const value of Object.values(KEYS)) assert.ok(!everything.includes(value), "a key's value was printed or passed as an argument");
    assert.match(result.out, /^ {2}dataKeys: \[secret\]$/m);
  });

  it("holds nothing once the keys are held (the plan reads them from homelab:keys), and nothing when up fails", async () => {
    const heldPlan = planOf(Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [k, new SecretValue(v)])));
    assert.deepEqual(unheldDataKeys(heldPlan), []);
    const box = sandbox({ FAKE_PULUMI_DATA_KEYS: JSON.stringify(KEYS) });
    assert.equal((await upWith(box, heldPlan)).code, 0);
    assert.deepEqual(held(box), []);

    const failed = sandbox({ FAKE_PULUMI_DATA_KEYS: JSON.stringify(KEYS), FAKE_PULUMI_FAIL: "up" });
    assert.equal((await upWith(failed, planOf())).code, 1);
    assert.deepEqual(held(failed), []);
  });

  it("an up with nothing to change still holds the keys of a stack deployed before (read from the stack's outputs)", async () => {
    const box = sandbox({ FAKE_PULUMI_DATA_KEYS: JSON.stringify(KEYS), FAKE_PULUMI_SCENARIO: "clean" });
    const result = await upWith(box, planOf());
    assert.equal(result.code, 0, result.err);
    assert.ok(!calls(box).some((c) => c.argv[0] === "up"), "nothing to apply");
    assert.equal(held(box).length, 2);
  });

  it("a stack that does not report a key fails with one line naming it, and holds nothing", async () => {
    const box = sandbox({ FAKE_PULUMI_DATA_KEYS: JSON.stringify({ "authelia-db-password": KEYS["authelia-db-password"] }) });
    const result = await upWith(box, planOf());
    assert.equal(result.code, 1);
    assert.match(result.err, /^homelab: applied, but the stack did not report the data key\(s\) authelia-storage-encryption-key, so they are not held/m);
    assert.deepEqual(held(box), []);
  });
});
