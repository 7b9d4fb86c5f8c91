// Loads one of the project's TypeScript entries compiled ahead of time into dist/<name>.js, so neither Pulumi
// (program.js → index.ts) nor the `homelab` command (bin/homelab → cli/main.ts) compiles TypeScript at start:
// ts-node type-checks for seconds, and even tsx doubles a short command's wall time.
// The build is checked on every run against the size and mtime of each source file it was made from, and
// redone (esbuild, a few hundred ms) when one changed or went away (a new file enters through an edit that
// imports it): an edit never runs stale code.
// npm packages stay external, so the build uses the packages of the process that loads it (for program.js:
// the SDK Pulumi's runtime loaded), and a package imported only where a command needs it stays unloaded.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** Source file (relative to root) → "size:mtimeMs", for every project file in the build. */
function fingerprint(root, files) {
  const result = {};
  for (const file of files) {
    const stat = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
    result[file] = stat ? `${stat.size}:${stat.mtimeMs}` : "missing";
  }
  return result;
}

function isFresh(root, out, manifestFile, inline) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
  } catch {
    return false;
  }
  if (!fs.existsSync(out) || String(manifest.inline) !== String(inline)) return false;
  const now = fingerprint(root, Object.keys(manifest.sources));
  return Object.entries(manifest.sources).every(([file, print]) => now[file] === print);
}

/**
 * What the build leaves to require() at run time: every npm package, except `inline` ones (bundled: one file
 * parses faster than a package's hundred, which for zod halves its load).
 */
function externals(root, inline) {
  if (!inline.length) return { packages: "external" };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !inline.includes(n));
  return { external: names.flatMap((n) => [n, `${n}/*`]) };
}

function build(root, entry, out, manifestFile, inline) {
  const result = require("esbuild").buildSync({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    ...externals(root, inline),
    outfile: out,
    sourcemap: "linked",
    metafile: true,
    write: false,
    logLevel: "error",
    absWorkingDir: root,
  });
  // Write beside, then rename into place: two processes started at once may both rebuild, and neither may
  // load half a file. The manifest goes last: a build without one is simply rebuilt.
  const manifest = JSON.stringify({ inline, sources: fingerprint(root, Object.keys(result.metafile.inputs)) }, null, 1);
  const files = [...result.outputFiles.map((f) => [f.path, f.contents]), [manifestFile, manifest]];
  fs.mkdirSync(path.dirname(out), { recursive: true });
  for (const [file, contents] of files) {
    fs.writeFileSync(`${file}.${process.pid}.tmp`, contents);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  }
}

/** require() of `entry` (relative to root) as its fresh build dist/<name>.js, rebuilt first when stale. */
function loadCompiled(root, entry, name, inline = []) {
  const out = path.join(root, "dist", `${name}.js`);
  const manifestFile = path.join(root, "dist", `${name}.json`);
  if (!isFresh(root, out, manifestFile, inline)) build(root, entry, out, manifestFile, inline);
  return require(out);
}

module.exports = { loadCompiled };
