import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { withoutPromiseStackTraces } from "../../components/withoutPromiseStackTraces";
import { PROJECT_DIR } from "../support/program";

function registerOne(env: Record<string, string>): Promise<{ uri?: string; debugStack?: string; limit: number }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "fixtures", "registerOne.ts")],
      { cwd: PROJECT_DIR, env: { ...process.env, ...env } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split("\n").pop()!))),
    ),
  );
}

describe("registration without the SDK's promise stack traces", () => {
  it("sets V8's stack-trace limit to 0 while registering and restores it afterwards, also after a throw", () => {
    const before = Error.stackTraceLimit;
    const inside = withoutPromiseStackTraces(() => [Error.stackTraceLimit, new Error("x").stack]);
    assert.deepEqual(inside, [0, "Error: x"]);
    assert.equal(Error.stackTraceLimit, before);
    assert.throws(
      () =>
        withoutPromiseStackTraces(() => {
          throw new Error("boom");
        }),
      /boom/,
    );
    assert.equal(Error.stackTraceLimit, before);
  });

  it("keeps every trace when PULUMI_DEBUG_PROMISE_LEAKS asks for them", () => {
    const before = Error.stackTraceLimit;
    assert.equal(
      withoutPromiseStackTraces(() => Error.stackTraceLimit, { PULUMI_DEBUG_PROMISE_LEAKS: "1" }),
      before,
    );
  });

  it("under Pulumi: the resource keeps its source position, its promises lose their debugging stacks", async function () {
    const [plain, scoped, debugging] = await Promise.all([
      registerOne({}),
      registerOne({ SCOPED: "1" }),
      registerOne({ SCOPED: "1", PULUMI_DEBUG_PROMISE_LEAKS: "1" }),
    ]);
    for (const run of [plain, scoped, debugging]) assert.match(run.uri ?? "", /registerOne\.ts$/, "the source position reaches the engine");
    assert.match(plain.debugStack ?? "", /\n\s+at /, "without the scope, the SDK keeps a stack per promise");
    assert.equal(scoped.debugStack, "Error", "inside the scope: no frames formatted");
    assert.match(debugging.debugStack ?? "", /\n\s+at /, "PULUMI_DEBUG_PROMISE_LEAKS keeps them");
    assert.equal(scoped.limit, plain.limit, "the limit is restored");
  });
});
