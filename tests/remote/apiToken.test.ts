import * as assert from "node:assert/strict";

describe("remote access: the Cloudflare API token", () => {
  it("is refused when set in plain text, accepted as a secret", async () => {
    const { checkApiToken } = await import("../../components/RemoteAccess");
    const config: [string, unknown][] = [["cloudflare:apiToken", "plain-token"]];
    assert.throws(() => checkApiToken(config, () => false), /cloudflare:apiToken must be a secret/);
    assert.doesNotThrow(() => checkApiToken(config, (key) => key === "cloudflare:apiToken"));
  });
});
