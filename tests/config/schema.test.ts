import * as assert from "node:assert/strict";
import { rawConfigFromEntries } from "../../config/load";
import { secret, validateStackConfig } from "../../config/schema";
import { SecretValue } from "../../config/secret";

describe("stack config schema", () => {
  it("fills the documented defaults", () => {
    const r = validateStackConfig({ domain: "home.example.com" });
    assert.ok(r.ok);
    assert.deepEqual(r.value.network, { prefix: "", ingress: "192.168.90.0/24", socket: "192.168.91.0/24", pool: "192.168.16.0/20" });
    assert.equal(r.value.proxy, "traefik");
    assert.equal(r.value.puid, 1000);
  });

  it("reads Pulumi's string config the same as the typed stack file", () => {
    const fromPulumi = rawConfigFromEntries([
      ["homelab:domain", "home.example.com"],
      ["homelab:puid", "1000"],
      ["homelab:services", '{"jellyfin":{}}'],
      ["other:key", "ignored"],
    ]);
    assert.deepEqual(fromPulumi, { domain: "home.example.com", puid: 1000, services: { jellyfin: {} } });
  });

  it("marks every value of a secret key as a secret and never prints it", () => {
    const raw = rawConfigFromEntries([["homelab:vpnKey", '{"key":"hunter2"}']], new Set(["homelab:vpnKey"]));
    const wrapped = (raw.vpnKey as { key: SecretValue }).key;
    assert.ok(wrapped instanceof SecretValue);
    assert.equal(wrapped.value, "hunter2");
    assert.equal(JSON.stringify(raw), '{"vpnKey":{"key":"[secret]"}}');
  });

  it("refuses plain text where a secret is required", () => {
    assert.equal(secret.safeParse("hunter2").success, false);
    assert.equal(secret.safeParse(new SecretValue("x")).success, true);
  });

  it("never echoes a plain-text value given where a secret is required", () => {
    const r = validateStackConfig({ domain: "home.example.com", vpnCredentials: { wireguardPrivateKey: "hunter2-private-key" } });
    assert.ok(!r.ok);
    const text = r.errors.map((e) => `${e.path}: ${e.message}`).join("\n");
    assert.match(text, /homelab:vpnCredentials\.wireguardPrivateKey: must be a secret.*\(got plain text\)/);
    assert.doesNotMatch(text, /hunter2/);
  });

  it("names the key path and the bad value in every error, all at once", () => {
    const r = validateStackConfig({ domain: "home.example.com", puid: -1, services: { radarr: { port: "x" } }, network: { prefix: "Bad Prefix" } });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => e.path),
      ["homelab:puid", "homelab:network.prefix", "homelab:services.radarr.port"],
    );
    assert.match(r.errors[2].message, /expected number \(got "x"\)/);
  });
});
