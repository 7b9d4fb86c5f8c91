import * as assert from "node:assert/strict";
import { byType, CONTAINER, isSecretInput, recordProgram, unwrapSecrets } from "../support/program";

/** The new keys' secrets through the real program: ddns-updater's config.json and Jellyseerr's generated API key. */
describe("program: ddns-updater's config and the apps' generated keys", function () {
  this.timeout(60_000);

  it("uploads ddns-updater's config.json with the token filled in, 0600 and owned by the image's user, and never in plain inputs", async () => {
    const run = await recordProgram("lab", {
      services: { "ddns-updater": {}, jellyseerr: {}, sonarr: {} },
      links: { arr: { services: ["jellyseerr", "sonarr"] } },
      ddns: { apiToken: { $secret: "cf-ddns-token-789" }, zoneId: "fedcba9876543210fedcba9876543210", records: ["vpn.lab.example.com"] },
    });
    assert.equal(run.error, undefined);
    const updater = byType(run, CONTAINER).find((c) => c.inputs.name === "lab-ddns-updater")!;
    assert.equal(updater.inputs.user, "1000:1000");
    const uploads = unwrapSecrets<{ file: string; content: string; permissions: string; owner: string; group: string }[]>(updater.inputs.uploads);
    const config = uploads.find((u) => u.file === "/updater/data/config.json")!;
    assert.deepEqual([config.permissions, config.owner, config.group], ["0600", "1000", "1000"]);
    assert.equal(JSON.parse(config.content).settings[0].token, "cf-ddns-token-789");
    assert.ok(isSecretInput(updater.inputs.uploads), "the uploads holding the token are a secret");

    const jellyseerr = byType(run, CONTAINER).find((c) => c.inputs.name === "lab-jellyseerr")!;
    assert.ok(isSecretInput(jellyseerr.inputs.envs));
    const key = unwrapSecrets<string[]>(jellyseerr.inputs.envs).find((e) => e.startsWith("API_KEY="));
    assert.ok(key && key.length > "API_KEY=".length, "Jellyseerr gets a generated key");
  });
});
