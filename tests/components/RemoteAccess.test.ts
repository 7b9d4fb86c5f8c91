import * as assert from "node:assert/strict";

describe("remote access: the Cloudflare API token", () => {
  it("is refused when set in plain text, accepted as a secret", () => {
    // required lazily, as index.ts does: loading the Cloudflare SDK is only for stacks that use it
    const { checkApiToken } = require("../../components/RemoteAccess") as typeof import("../../components/RemoteAccess");
    const config: [string, unknown][] = [["cloudflare:apiToken", "plain-token"]];
    assert.throws(() => checkApiToken(config, () => false), /cloudflare:apiToken must be a secret/);
    assert.doesNotThrow(() => checkApiToken(config, (key) => key === "cloudflare:apiToken"));
  });
});
