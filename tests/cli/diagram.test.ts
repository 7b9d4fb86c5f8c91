import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diagramMarkdown, renderDiagram } from "../../topology/diagram";
import { planOf, stackConfig } from "../support/configs";
import { PROJECT_DIR } from "../support/program";

describe("homelab diagram", () => {
  describe("CLI", () => {
    it("`homelab diagram lab --write` writes docs/diagram-lab.md in the project directory", async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-diagram-"));
      try {
        for (const f of ["Pulumi.yaml", "Pulumi.lab.yaml"]) fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
        const run = (args: string[]) =>
          new Promise<{ code: number; out: string }>((resolve) =>
            execFile(
              process.execPath,
              [path.join(PROJECT_DIR, "bin", "homelab"), ...args],
              { env: { ...process.env, HOMELAB_PROJECT_DIR: dir }, timeout: 25000 },
              (err, out) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, out }),
            ),
          );
        const printed = await run(["diagram", "lab"]);
        assert.equal(printed.code, 0);
        assert.equal(printed.out, renderDiagram(planOf(stackConfig("lab"))));
        const written = await run(["diagram", "lab", "--write"]);
        assert.equal(written.code, 0);
        assert.equal(written.out.trim(), "wrote docs/diagram-lab.md");
        assert.equal(fs.readFileSync(path.join(dir, "docs", "diagram-lab.md"), "utf8"), diagramMarkdown("lab", planOf(stackConfig("lab"))));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
