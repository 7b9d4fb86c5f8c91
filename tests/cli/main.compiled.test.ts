import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../support/program";

const run = (args: string[]) =>
  new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, args, { cwd: PROJECT_DIR, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr)) : resolve({ stdout, stderr }),
    ),
  );

/** bin/homelab runs cli/main.ts compiled ahead of time (dist/cli.js, via bin/compiled.js), not through tsx. */
describe("the homelab command as it ships (bin/homelab → dist/cli.js)", function () {
  this.timeout(60_000);
  before(() => run([path.join("bin", "homelab"), "--help"])); // (re)builds dist/cli.js if a source changed

  it("prints the same plan as cli/main.ts run from source", async () => {
    const [shipped, source] = await Promise.all([
      run([path.join("bin", "homelab"), "plan", "home", "--json"]),
      run(["--import", "tsx", path.join("cli", "main.ts"), "plan", "home", "--json"]),
    ]);
    assert.deepEqual(JSON.parse(shipped.stdout), JSON.parse(source.stdout));
    assert.equal(shipped.stderr, source.stderr);
  });

  it("is built from the CLI's sources, with the pure parsing packages bundled in", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "dist", "cli.json"), "utf8"));
    assert.ok(manifest.sources["cli/main.ts"] && manifest.sources["topology/plan.ts"]);
    assert.ok(
      Object.keys(manifest.sources).some((f) => f.startsWith("node_modules/zod/")),
      "zod is bundled",
    );
    assert.ok(!Object.keys(manifest.sources).some((f) => f.startsWith("node_modules/@pulumi/")), "the SDK is not");
  });

  it("loads no heavy package for an offline plan (dockerode, yaml editor, Pulumi SDK)", async () => {
    const probe = `const M=require("module");const seen=new Set();const o=M._load;M._load=function(r){seen.add(r);return o.apply(this,arguments)};
process.on("exit",()=>process.stderr.write("\\nLOADED "+JSON.stringify([...seen])));require("./bin/homelab");`;
    const { stderr } = await run(["-e", probe, "--", "plan", "lab"]).catch((e: Error) => ({ stderr: e.message }));
    const loaded: string[] = JSON.parse(stderr.slice(stderr.indexOf("LOADED ") + 7));
    for (const heavy of ["dockerode", "yaml", "@pulumi/pulumi", "@pulumi/pulumi/automation", "zod", "esbuild"])
      assert.ok(!loaded.includes(heavy), `${heavy} is not loaded by plan`);
  });
});
