// The Pulumi program's entry (Pulumi.yaml `main`): index.ts and the project files it imports, compiled ahead
// of time into one JavaScript file, dist/program.js. Pulumi would otherwise compile and type-check the
// TypeScript with ts-node on every preview (seconds), and a loader like tsx still doubles the SDK's own load.
// The build is checked on every run against the size and mtime of each source file it was made from, and
// redone (esbuild, a few hundred ms) when one changed or went away (a new file enters through an edit that
// imports it): an edit never runs stale code.
// npm packages stay external, so the SDK the build uses is the one Pulumi's runtime loaded.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const OUT = path.join(__dirname, "dist", "program.js");
const MANIFEST = path.join(__dirname, "dist", "program.json");

/** Source file (relative to the project) → "size:mtimeMs", for every project file in the build. */
function fingerprint(files) {
  const result = {};
  for (const file of files) {
    const stat = fs.statSync(path.join(__dirname, file), { throwIfNoEntry: false });
    result[file] = stat ? `${stat.size}:${stat.mtimeMs}` : "missing";
  }
  return result;
}

function isFresh() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
  } catch {
    return false;
  }
  if (!fs.existsSync(OUT)) return false;
  const now = fingerprint(Object.keys(manifest.sources));
  return Object.entries(manifest.sources).every(([file, print]) => now[file] === print);
}

function build() {
  const result = require("esbuild").buildSync({
    entryPoints: [path.join(__dirname, "index.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    outfile: OUT,
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: "error",
    absWorkingDir: __dirname,
  });
  // Write beside, then rename into place: two stacks previewed at once may both rebuild, and neither may
  // load half a file. The manifest goes last: a build without one is simply rebuilt.
  const files = [...result.outputFiles.map((f) => [f.path, f.contents]), [MANIFEST, JSON.stringify({ sources: fingerprint(Object.keys(result.metafile.inputs)) }, null, 1)]];
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  for (const [file, contents] of files) {
    fs.writeFileSync(`${file}.${process.pid}.tmp`, contents);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  }
}

if (!isFresh()) build();
module.exports = require(OUT);
