// The layering the code keeps: config → topology → components → program/cli, with policy/ free of all of them.
// Type-only imports count (tsPreCompilationDeps): a type cycle is still a step importing back from a later one.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", from: {}, to: { circular: true } },
    { name: "config-is-the-bottom", severity: "error", from: { path: "^config/" }, to: { path: "^(topology|components|cli|bench)/" } },
    { name: "topology-is-pure", severity: "error", from: { path: "^topology/" }, to: { path: "^(components|cli|bench)/|^@pulumi/" } },
    { name: "components-below-cli", severity: "error", from: { path: "^components/" }, to: { path: "^(cli|bench)/" } },
    { name: "policy-stands-alone", severity: "error", from: { path: "^policy/networkPolicy\\.ts$" }, to: { path: "^(config|topology|components|cli)/" } },
    { name: "no-test-imports-in-source", severity: "error", from: { path: "^(config|topology|components|cli|policy)/" }, to: { path: "^tests/" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
