import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { TDARR_NODE_HEALTHCHECK } from "../../../config/catalog/media";

/** The tdarr-node healthcheck run by this machine's sh and grep (the image's are Ubuntu's), against a process named like the node. */
describe("catalog: tdarr-node's healthcheck", () => {
  const check = () => spawnSync("sh", ["-c", TDARR_NODE_HEALTHCHECK.test[1]]).status;

  it("passes while a Tdarr_Node process runs and fails once it is gone, never matching its own command line", async () => {
    assert.equal(TDARR_NODE_HEALTHCHECK.test[0], "CMD-SHELL");
    assert.equal(check(), 1, "no node yet: the check must not find itself");
    const node = spawn("sleep", ["60"], { argv0: "./Tdarr_Node", stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(check(), 0);
    } finally {
      node.kill();
      await new Promise((r) => node.once("exit", r));
    }
    assert.equal(check(), 1);
  });
});
