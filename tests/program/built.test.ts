import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_DIR, recordBuiltProgram, recordProgram } from "../support/program";

/** What Pulumi runs (Pulumi.yaml `main`) is program.js: index.ts compiled ahead of time, rebuilt when stale. */
describe("the entry Pulumi runs (program.js)", function () {
  this.timeout(60_000);

  it("is the project's main, run as JavaScript (no ts-node)", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));
    assert.equal(project.main, "program.js");
    assert.equal(project.runtime.options.typescript, false);
  });

  for (const stack of ["home", "lab"]) {
    it(`registers for ${stack} exactly what index.ts registers, with the same outputs and SDKs`, async () => {
      const [source, built] = await Promise.all([recordProgram(stack), recordBuiltProgram(stack)]);
      assert.equal(built.error, undefined);
      assert.deepEqual(built.resources, source.resources);
      assert.deepEqual(built.outputs, source.outputs);
      assert.deepEqual(built.sdks, source.sdks, "the build loads the same provider SDKs, lazily");
      if (stack === "lab") assert.ok(!built.sdks.includes("@pulumi/cloudflare"), "lab never loads the Cloudflare SDK");
    });
  }

  describe("the build", () => {
    // A throw-away project: program.js, a two-file index.ts, the real node_modules.
    let dir: string;
    const run = () =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ["-e", "process.stdout.write(String(require('./program.js').answer))"], { cwd: dir }, (err, stdout, stderr) =>
          err ? reject(new Error(stderr)) : resolve(stdout),
        ),
      );
    const builtAt = () => fs.statSync(path.join(dir, "dist", "program.js")).mtimeMs;
    const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-build-"));
      fs.copyFileSync(path.join(PROJECT_DIR, "program.js"), path.join(dir, "program.js"));
      fs.mkdirSync(path.join(dir, "bin"));
      fs.copyFileSync(path.join(PROJECT_DIR, "bin", "compiled.js"), path.join(dir, "bin", "compiled.js"));
      fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
      write("index.ts", 'import { base } from "./part";\nexport const answer: number = base + 1;\n');
      write("part.ts", "export const base = 41;\n");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is made on first use, with a source map and a manifest of its sources", async () => {
      assert.equal(await run(), "42");
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, "dist", "program.json"), "utf8"));
      assert.deepEqual(Object.keys(manifest.sources).sort(), ["index.ts", "part.ts"]);
      assert.ok(fs.existsSync(path.join(dir, "dist", "program.js.map")));
      assert.deepEqual(
        fs.readdirSync(path.join(dir, "dist")).filter((f) => f.endsWith(".tmp")),
        [],
        "no temp file left",
      );
    });

    it("is reused while no source changed", async () => {
      const before = builtAt();
      assert.equal(await run(), "42");
      assert.equal(builtAt(), before);
    });

    it("is rebuilt when an imported file changes, and when the build is gone", async () => {
      write("part.ts", "export const base = 99;\n");
      assert.equal(await run(), "100");
      fs.rmSync(path.join(dir, "dist", "program.js"));
      assert.equal(await run(), "100");
    });

    it("is rebuilt when a source it was made from disappears (and then fails like the source would)", async () => {
      fs.renameSync(path.join(dir, "part.ts"), path.join(dir, "moved.ts"));
      await assert.rejects(run(), /Could not resolve "\.\/part"/);
      fs.renameSync(path.join(dir, "moved.ts"), path.join(dir, "part.ts"));
      assert.equal(await run(), "100");
    });
  });
});
