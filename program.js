// The Pulumi program's entry (Pulumi.yaml `main`): index.ts and the project files it imports, compiled ahead
// of time into dist/program.js and rebuilt when a source changed (bin/compiled.js says how and why).
"use strict";
module.exports = require("./bin/compiled").loadCompiled(__dirname, "index.ts", "program");
