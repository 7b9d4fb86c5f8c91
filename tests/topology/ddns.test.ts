import { strict as assert } from "node:assert";
import { fileOwner } from "../../components/containerFiles";
import { SecretValue, showSecretRefs } from "../../config/secret";
import { buildPlan } from "../../topology/plan";
import { DDNS_CONFIG_FILE } from "../../topology/ddns";
import { minimalConfig, planOf } from "../support/configs";

const ZONE_ID = "fedcba9876543210fedcba9876543210";
const cloudflare = { enabled: true, accountId: "0123456789abcdef0123456789abcdef", zoneId: ZONE_ID, allow: { emails: ["me@example.com"] } };
const token = new SecretValue("cf-token");
const withDdns = (ddns: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  minimalConfig({ services: { "ddns-updater": {}, jellyfin: { expose: "tunnel" } }, cloudflare, ddns: { apiToken: token, ...ddns }, ...extra });

/**
 * What ddns-updater v2.9.0 demands of each Cloudflare setting before it runs (qdm12/ddns-updater@v2.9.0:
 * internal/params/json.go reads `settings`; internal/provider/providers/cloudflare/provider.go validateSettings:
 * a valid domain, zone_identifier set, ttl not 0, and with a token no key/email needed).
 */
function ddnsUpdaterRefusals(config: unknown): string[] {
  const settings = (config as { settings?: Record<string, unknown>[] }).settings;
  if (!Array.isArray(settings)) return ["no settings array"];
  return settings.flatMap((s, i) => {
    const bad: string[] = [];
    if (s.provider !== "cloudflare") bad.push(`${i}: provider`);
    if (typeof s.domain !== "string" || !/^(\*\.)?([a-z0-9-]+\.)+[a-z]+$/.test(s.domain)) bad.push(`${i}: domain`);
    if (!s.zone_identifier) bad.push(`${i}: zone identifier not set`);
    if (!s.ttl) bad.push(`${i}: TTL not set`);
    if (!s.token) bad.push(`${i}: token`);
    if (!["ipv4", "ipv6", "ipv4 or ipv6"].includes(String(s.ip_version))) bad.push(`${i}: ip_version`);
    if (typeof s.proxied !== "boolean") bad.push(`${i}: proxied`);
    return bad;
  });
}

describe("ddns-updater: config.json from homelab:ddns", () => {
  it("writes one Cloudflare setting per record, in the format ddns-updater v2.9.0 reads, as a secret file its user owns", () => {
    const plan = planOf(withDdns({ records: ["vpn.home.example.com", "*.games.home.example.com"], ipVersion: "ipv4 or ipv6" }));
    const updater = plan.containers.find((c) => c.name === "ddns-updater")!;
    const file = updater.files!.find((f) => f.path === DDNS_CONFIG_FILE)!;
    assert.equal(file.secret, true);
    const config = JSON.parse(showSecretRefs(file.content));
    assert.deepEqual(ddnsUpdaterRefusals(config), []);
    assert.deepEqual(config.settings[0], {
      provider: "cloudflare",
      zone_identifier: ZONE_ID,
      domain: "vpn.home.example.com",
      ttl: 1,
      proxied: false,
      token: "{{secret:ddns-cloudflare-api-token}}",
      ip_version: "ipv4 or ipv6",
    });
    assert.equal(config.settings[1].domain, "*.games.home.example.com");
    assert.deepEqual(fileOwner(updater), { uid: "1000", gid: "1000" });
    const secret = plan.secrets!.find((s) => s.name === "ddns-cloudflare-api-token");
    assert.deepEqual(secret && secret.source === "config" && [secret.path, secret.value], ["homelab:ddns.apiToken", token]);
  });

  it("takes its own zone id without Cloudflare remote access", () => {
    const plan = planOf(minimalConfig({ services: { "ddns-updater": {} }, ddns: { apiToken: token, zoneId: ZONE_ID, records: ["home.example.com"] } }));
    const file = plan.containers.find((c) => c.name === "ddns-updater")!.files!.find((f) => f.path === DDNS_CONFIG_FILE)!;
    assert.equal(JSON.parse(showSecretRefs(file.content)).settings[0].zone_identifier, ZONE_ID);
  });

  it("warns when ddns-updater runs with nothing to update", () => {
    const result = buildPlan(minimalConfig({ services: { "ddns-updater": {} } }));
    assert.ok(result.warnings.includes("homelab:services.ddns-updater: it has no records to update: set homelab:ddns (records, apiToken)"));
  });
});
