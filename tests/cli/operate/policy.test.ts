// The policy pack on every `homelab preview` and `homelab up`, as the fake CLI receives it.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { calls, removeSandboxes, run, sandbox, stateBackend } from "../../support/operate";

const PACK = path.resolve(__dirname, "..", "..", "..", "policy");
const packsOf = (argv: string[]) => argv.flatMap((arg, i) => (argv[i - 1] === "--policy-pack" ? [arg] : []));

describe("the policy pack on preview and up", () => {
  after(removeSandboxes);

  it("preview runs the pack from policy/ by default", async () => {
    const box = sandbox();
    const result = await run(box, "preview");
    assert.equal(result.code, 0, result.err);
    const preview = calls(box).find((call) => call.argv[0] === "preview")!;
    assert.deepEqual(packsOf(preview.argv), [PACK]);
    assert.ok(fs.existsSync(path.join(PACK, "PulumiPolicy.yaml")));
  });

  it("up runs it on the preview it asks about and on the update itself", async () => {
    const box = sandbox();
    const result = await run(box, "up", "lab", { yes: true });
    assert.equal(result.code, 0, result.err);
    const engine = calls(box).filter((call) => call.argv[0] === "preview" || call.argv[0] === "up");
    assert.deepEqual(
      engine.map((call) => [call.argv[0], packsOf(call.argv)]),
      [
        ["preview", [PACK]],
        ["up", [PACK]],
      ],
    );
  });

  it("destroy, refresh and drift do not load the program's resources for the pack", async () => {
    const box = sandbox();
    await run(box, "drift");
    await run(box, "destroy", "lab", { yes: true });
    assert.ok(calls(box).every((call) => packsOf(call.argv).length === 0));
  });

  it("--no-policy skips it and says so loudly", async () => {
    const box = sandbox();
    const result = await run(box, "up", "lab", { yes: true, policy: false });
    assert.equal(result.code, 0, result.err);
    assert.ok(calls(box).every((call) => packsOf(call.argv).length === 0));
    assert.match(result.err, /^homelab: WARNING: --no-policy: the network policy pack is NOT checked in this run/m);
  });

  it("a violation stops up before anything changes, printed with the resource and the rule", async () => {
    const box = sandbox({ FAKE_PULUMI_SCENARIO: "violation" });
    const result = await run(box, "up", "lab", { yes: true });
    assert.equal(result.code, 1);
    assert.match(
      result.err,
      /^policy violation: network-membership on docker:Container lab-db: lab-db \(database\) is on vnet-ingress: databases stay on their own service network$/m,
    );
    assert.match(
      result.err,
      /^homelab: the policy pack stopped 'up' before anything was changed: 1 violation\(s\), listed above with their rule and resource\.$/m,
    );
    assert.ok(!calls(box).some((call) => call.argv[0] === "up"), "pulumi up never ran");
    assert.ok(!fs.existsSync(stateBackend(box, ".fake-state", "lab.json")), "nothing was applied");
  });

  it("the same violation with --no-policy is not checked (what the warning is about)", async () => {
    const box = sandbox({ FAKE_PULUMI_SCENARIO: "violation" });
    const result = await run(box, "up", "lab", { yes: true, policy: false });
    assert.equal(result.code, 0, result.err);
    assert.doesNotMatch(result.err, /^policy violation/m);
  });
});
