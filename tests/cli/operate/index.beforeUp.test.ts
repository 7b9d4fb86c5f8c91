// The pre-change snapshot's place in `homelab up`, against the fake `pulumi` of tests/support/operate.ts: it runs
// once the preview is agreed and before anything is applied, sees the preview's changes, can stop the
// apply, and its lines end the output. (What it snapshots is proven with real restic in backup.engine.test.ts.)
import * as assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { operate, type BeforeUp } from "../../../cli/operate";
import { OperateError } from "../../../cli/operate/environment";
import { calls, removeSandboxes, sandbox } from "../../support/operate";

async function up(box: ReturnType<typeof sandbox>, beforeUp: BeforeUp) {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) => Object.assign(new PassThrough(), { write: (chunk: string) => (append(String(chunk)), true) });
  const code = await operate("up", "lab", {
    projectDir: box.projectDir,
    env: box.env,
    yes: true,
    interactive: false,
    stdin: new PassThrough(),
    stdout: sink((s) => (out += s)) as never,
    stderr: sink((s) => (err += s)) as never,
    beforeUp,
  });
  return { code, out, err };
}

describe("homelab up: the snapshot before a risky change", () => {
  after(removeSandboxes);

  it("runs after the preview and before the apply, with the preview's changes; its lines end the output", async () => {
    const box = sandbox();
    const seen: { changes: string[]; commandsSoFar: string[] }[] = [];
    const result = await up(box, async (changes, _config, out) => {
      seen.push({ changes: changes.map((c) => `${c.change} ${c.name}`), commandsSoFar: calls(box).map((c) => c.argv[0]) });
      out("Snapshot before the change (gluetun)");
      return ["Snapshot 0123abcd holds gluetun as it was before this change: homelab restore lab gluetun --snapshot 0123abcd"];
    });
    assert.equal(result.code, 0, result.err);
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].changes, ["create lab-jellyfin", "update lab-sonarr", "replace lab-gluetun", "delete vnet-old"]);
    assert.ok(seen[0].commandsSoFar.includes("preview") && !seen[0].commandsSoFar.includes("up"), "nothing applied yet");
    const lines = result.out.trim().split("\n");
    assert.ok(lines.indexOf("Snapshot before the change (gluetun)") < lines.findIndex((l) => /lab-gluetun replaced/.test(l)));
    assert.equal(lines.at(-1), "Snapshot 0123abcd holds gluetun as it was before this change: homelab restore lab gluetun --snapshot 0123abcd");
  });

  it("a failed snapshot stops the up in one line, before anything is applied", async () => {
    const box = sandbox();
    const result = await up(box, async () => {
      throw new OperateError(
        "homelab: wrong password for the restic repository /r (homelab:backupCredentials.password); nothing was changed; the change was not applied (--no-snapshot skips the snapshot)",
      );
    });
    assert.equal(result.code, 1);
    assert.deepEqual(
      result.err
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("homelab:")),
      [
        "homelab: wrong password for the restic repository /r (homelab:backupCredentials.password); nothing was changed; the change was not applied (--no-snapshot skips the snapshot)",
      ],
    );
    assert.ok(!calls(box).some((c) => c.argv[0] === "up"), "pulumi up never ran");
  });

  it("is not asked when nothing changes", async () => {
    const box = sandbox({ FAKE_PULUMI_SCENARIO: "clean" });
    let asked = false;
    const result = await up(box, async () => {
      asked = true;
      return [];
    });
    assert.equal(result.code, 0, result.err);
    assert.equal(asked, false);
  });
});
