import * as assert from "node:assert/strict";
import { printCaCertificate } from "../../../cli/operate/ca";
import { calls, invoke, removeSandboxes, run, sandbox } from "../../support/operate";

/** `homelab ca <stack>` through the Automation API, against the fake `pulumi` (tests/cli/operate/fixtures/bin). */
describe("homelab ca (the stack's CA certificate from its outputs)", function () {
  this.timeout(60000);
  after(removeSandboxes);

  it("prints the caCertificate output alone on stdout, read from the selected stack's outputs", async () => {
    const box = sandbox();
    assert.equal((await run(box, "preview")).code, 0, "creates the stack");
    const inits = () => calls(box).filter((c) => c.argv[0] === "stack" && c.argv[1] === "init").length;
    const before = inits();
    const result = await invoke(box, (opts) => printCaCertificate("lab", opts));
    assert.equal(result.code, 0, result.err);
    assert.equal(result.out, "-----BEGIN CERTIFICATE-----\nfake-ca\n-----END CERTIFICATE-----\n");
    const outputCalls = calls(box).filter((c) => c.argv[0] === "stack" && c.argv[1] === "output");
    assert.ok(outputCalls.length > 0 && outputCalls.every((c) => c.argv.includes("--stack") && c.argv.includes("lab") && c.passphrase));
    assert.equal(inits(), before, "never creates a stack");
  });

  it("says the stack has not been deployed when it does not exist yet, exit 1", async () => {
    const box = sandbox();
    const result = await invoke(box, (opts) => printCaCertificate("lab", opts));
    assert.equal(result.code, 1);
    assert.equal(result.out, "");
    assert.match(result.err, /stack 'lab' has not been deployed yet: run 'homelab up lab' first/);
    assert.ok(!calls(box).some((c) => c.argv[1] === "init"), "reading must not create the stack");
  });

  it("explains that an ACME stack has no CA to trust", async () => {
    const box = sandbox({ FAKE_PULUMI_NO_CA: "1" });
    await run(box, "preview");
    const result = await invoke(box, (opts) => printCaCertificate("lab", opts));
    assert.equal(result.code, 1);
    assert.match(result.err, /has no internal CA: it uses ACME/);
  });

  it("refuses an unknown stack before running pulumi", async () => {
    const box = sandbox();
    const result = await invoke(box, (opts) => printCaCertificate("nope", opts));
    assert.notEqual(result.code, 0);
    assert.match(result.err, /nope/);
    assert.deepEqual(calls(box), []);
  });
});
