import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { PROJECT_DIR } from "../support/program";

describe("homelab plan --json with the host stack", function () {
  this.timeout(30_000);

  it("arrives whole through a pipe read only after the CLI is done, though larger than the 64 KiB pipe buffer", async () => {
    const bin = path.join(PROJECT_DIR, "bin", "homelab");
    // The reader sleeps first, so the pipe is full when the CLI exits: it must wait for the rest to drain.
    const text = await new Promise<string>((resolve, reject) =>
      execFile("sh", ["-c", `"${bin}" plan home --json 2>/dev/null | (sleep 1; cat)`], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    assert.ok(text.length > 65536, `only ${text.length} bytes arrived`);
    const plan = JSON.parse(text);
    assert.ok(plan.authelia && plan.socketProxy && plan.secrets.length > 0);
  });
});
