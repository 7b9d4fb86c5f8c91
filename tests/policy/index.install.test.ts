// The pack needs no install of its own: Pulumi finds its runner and its imports with Node's resolution from
// policy/ (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, locateModule), which reaches the
// project's node_modules, so the root `npm ci` is the only install step.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const PACK = path.join(ROOT, "policy");

/** What `require.resolve(id)` gives in a node started in policy/, as the language host asks it. */
function resolvedFromPack(id: string): string {
  return execFileSync(process.execPath, ["-e", `console.log(require.resolve(${JSON.stringify(id)}))`], { cwd: PACK, encoding: "utf8" }).trim();
}

describe("policy pack install", () => {
  it("is a Node.js pack Pulumi can load from policy/ (PulumiPolicy.yaml, package.json main)", () => {
    assert.equal(parse(fs.readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8")).runtime, "nodejs");
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
    assert.ok(fs.existsSync(path.join(PACK, pkg.main)), `main ${pkg.main} exists`);
    assert.equal(pkg.dependencies, undefined, "no dependencies of its own: nothing to install in policy/");
  });

  it("finds the runner and every import in the root install", () => {
    for (const id of ["@pulumi/pulumi/cmd/run-policy-pack", "@pulumi/policy", "@pulumi/docker", "ts-node", "typescript"]) {
      assert.ok(resolvedFromPack(id).startsWith(path.join(ROOT, "node_modules") + path.sep), `${id} resolves into the root node_modules`);
    }
  });

  it("the root install has what the pack needs as dependencies, not only for development", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    for (const id of ["@pulumi/pulumi", "@pulumi/policy", "@pulumi/docker", "ts-node"]) assert.ok(pkg.dependencies[id], `${id} in dependencies`);
  });
});
