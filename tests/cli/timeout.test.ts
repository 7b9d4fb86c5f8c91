import * as assert from "node:assert/strict";
import { withTimeout } from "../../cli/timeout";

describe("cli/timeout: withTimeout", () => {
  it("passes the promise's value through when it settles in time", async () => {
    assert.equal(await withTimeout(Promise.resolve(7), 1000), 7);
  });

  it("rejects, naming what timed out, when it does not", async () => {
    await assert.rejects(withTimeout(new Promise(() => {}), 20, "the Docker engine"), /^Error: the Docker engine timed out after 0\.02s$/);
    await assert.rejects(withTimeout(new Promise(() => {}), 20), /^Error: timed out after 0\.02s$/);
  });

  it("passes the promise's own rejection through", async () => {
    await assert.rejects(withTimeout(Promise.reject(new Error("refused")), 1000), /refused/);
  });
});
