import { strict as assert } from "node:assert";
import { SecretEnvRef, SecretValue, showSecretRefs } from "../../config/secret";
import { minimalConfig, planOf } from "../support/configs";

const token = new SecretValue("t");
const duck = (proxy: "swag" | "traefik", acme: Record<string, unknown> = {}, domain = "myhome.duckdns.org") =>
  minimalConfig({ domain, proxy, acme: { email: "me@example.com", provider: "duckdns", duckdnsToken: token, ...acme } });

describe("ACME over DuckDNS", () => {
  it("SWAG: certbot's duckdns plugin with the token in dns-conf/duckdns.ini (a secret file) and the wildcard certificate", () => {
    const plan = planOf(duck("swag"));
    const swag = plan.containers.find((c) => c.name === "swag")!;
    assert.equal(swag.env.DNSPLUGIN, "duckdns");
    assert.equal(swag.env.VALIDATION, "dns");
    assert.equal(swag.env.SUBDOMAINS, "wildcard");
    assert.equal(swag.env.URL, "myhome.duckdns.org");
    const ini = swag.files!.find((f) => f.path.startsWith("/config/dns-conf/"))!;
    assert.deepEqual(
      [ini.path, showSecretRefs(ini.content), ini.secret],
      ["/config/dns-conf/duckdns.ini", "dns_duckdns_token={{secret:acme-duckdns-token}}\n", true],
    );
    const secret = plan.secrets!.find((s) => s.name === "acme-duckdns-token");
    assert.deepEqual(secret?.source === "config" && [secret.path, secret.value], ["homelab:acme.duckdnsToken", token]);
    assert.ok(!plan.secrets!.some((s) => s.name === "acme-cloudflare-api-token"));
  });

  it("Traefik: lego's duckdns provider with DUCKDNS_TOKEN as secret env", () => {
    const plan = planOf(duck("traefik"));
    const traefik = plan.containers.find((c) => c.name === "traefik")!;
    assert.deepEqual(traefik.secretEnv, { DUCKDNS_TOKEN: SecretEnvRef.secret("acme-duckdns-token") });
    const staticConfig = traefik.files!.find((f) => f.path === "/etc/traefik/traefik.yml")!.content;
    assert.match(staticConfig, /provider: duckdns/);
  });

  it("keeps Cloudflare the default provider", () => {
    const plan = planOf(minimalConfig({ proxy: "swag", acme: { email: "me@example.com", cloudflareApiToken: token } }));
    const swag = plan.containers.find((c) => c.name === "swag")!;
    assert.equal(swag.env.DNSPLUGIN, "cloudflare");
    assert.ok(swag.files!.some((f) => f.path === "/config/dns-conf/cloudflare.ini"));
  });
});
