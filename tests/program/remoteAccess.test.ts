import * as assert from "node:assert/strict";
import { readStackConfig } from "../../config/load";
import { TUNNEL_CA_FILE } from "../../topology/remoteAccess";
import { byType, CONTAINER, PROJECT_DIR, ProgramRun, recordProgram, RegisteredResource } from "../support/program";
import { isSecretInput, revealSecret } from "../support/secrets";

const TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared";
const TUNNEL_CONFIG = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig";
const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const ACCESS_APP = "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication";
const ACCESS_POLICY = "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy";
const TOKEN_CALL = "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken";

/** The home stack tunnels homepage and jellyseerr behind Access, and immich behind Authelia only. */
// auth.: Authelia's portal follows the protected routes onto the tunnel, guarded by Access like them.
const TUNNELLED = {
  "auth.home.example.com": "authelia",
  "home.home.example.com": "homepage",
  "photos.home.example.com": "immich",
  "requests.home.example.com": "jellyseerr",
};
const ACCESS_GUARDED = ["auth.home.example.com", "home.home.example.com", "requests.home.example.com"];

const one = (run: ProgramRun, type: string): RegisteredResource => {
  const found = byType(run, type);
  assert.equal(found.length, 1, `expected exactly one ${type}, got ${found.length}`);
  return found[0];
};

describe("remote access: the home stack under mocks", function () {
  this.timeout(60000);
  let home: ProgramRun;
  before(async () => {
    home = await recordProgram("home");
    assert.equal(home.error, undefined);
  });

  it("registers exactly one tunnel, remotely configured, whose tunnel secret is a secret", () => {
    const tunnel = one(home, TUNNEL);
    assert.equal(tunnel.inputs.configSrc, "cloudflare");
    assert.equal(tunnel.inputs.accountId, "0123456789abcdef0123456789abcdef");
    assert.ok(isSecretInput(tunnel.inputs.tunnelSecret), "tunnelSecret must be a secret");
    assert.ok(Buffer.from(revealSecret<string>(tunnel.inputs.tunnelSecret), "base64").length > 0);
    assert.deepEqual(tunnel.dependsOn, ["remote-access-tunnel-secret"]);
  });

  it("registers one tunnel config: one rule per tunnelled service, then the http_status:404 catch-all last", () => {
    const config = one(home, TUNNEL_CONFIG);
    assert.equal(config.inputs.tunnelId, one(home, TUNNEL).id);
    const rules = config.inputs.config.ingresses as { hostname?: string; service: string; originRequest?: Record<string, unknown> }[];
    assert.deepEqual(
      rules.slice(0, -1).map((r) => r.hostname),
      Object.keys(TUNNELLED),
    );
    for (const r of rules.slice(0, -1)) {
      assert.equal(r.service, "https://traefik:443");
      assert.deepEqual(r.originRequest, { httpHostHeader: r.hostname, originServerName: r.hostname, caPool: TUNNEL_CA_FILE });
    }
    assert.deepEqual(rules.at(-1), { service: "http_status:404" });
  });

  it("registers one proxied CNAME per tunnelled host to <tunnelId>.cfargotunnel.com with ttl 1", () => {
    const records = byType(home, DNS_RECORD);
    assert.deepEqual(records.map((r) => r.inputs.name).sort(), Object.keys(TUNNELLED));
    const tunnelId = one(home, TUNNEL).id;
    for (const r of records) {
      assert.equal(r.inputs.type, "CNAME");
      assert.equal(r.inputs.content, `${tunnelId}.cfargotunnel.com`);
      assert.equal(r.inputs.proxied, true);
      assert.equal(r.inputs.ttl, 1);
      assert.equal(r.inputs.zoneId, "fedcba9876543210fedcba9876543210");
    }
  });

  it("registers one Access application per Access-guarded host, using the reusable policy by id", () => {
    const policy = one(home, ACCESS_POLICY);
    assert.equal(policy.inputs.decision, "allow");
    assert.deepEqual(policy.inputs.includes, [{ email: { email: "owner@example.com" } }, { emailDomain: { domain: "family.example.com" } }]);
    const apps = byType(home, ACCESS_APP);
    assert.deepEqual(apps.map((a) => a.inputs.domain).sort(), ACCESS_GUARDED);
    for (const app of apps) {
      assert.equal(app.inputs.type, "self_hosted");
      assert.deepEqual(app.inputs.policies, [{ id: policy.id, precedence: 1 }]);
      assert.deepEqual(app.inputs.destinations, [{ type: "public", uri: app.inputs.domain }]);
      assert.equal(app.inputs.sessionDuration, "24h");
    }
  });

  it("gives cloudflared the tunnel token as a secret env var and puts it on vnet-ingress only", () => {
    assert.deepEqual(home.invokes, [TOKEN_CALL]);
    const cloudflared = byType(home, CONTAINER).find((c) => c.name === "cloudflared");
    assert.ok(cloudflared, "no cloudflared container");
    assert.ok(isSecretInput(cloudflared.inputs.envs), "envs carrying the token must be a secret");
    assert.ok(revealSecret<string[]>(cloudflared.inputs.envs).includes("TUNNEL_TOKEN=mock-tunnel-token"));
    assert.deepEqual(
      cloudflared.inputs.networksAdvanced.map((n: { name: string }) => n.name),
      ["vnet-ingress"],
    );
    assert.equal(cloudflared.inputs.networksAdvanced[0].ipv4Address, "192.168.90.254", "the fixed address the proxy trusts");
    // The stack CA, filled in from the InternalCa component, to verify the proxy's certificate.
    assert.deepEqual(cloudflared.inputs.uploads, [
      {
        file: TUNNEL_CA_FILE,
        content: "-----BEGIN CERTIFICATE-----\nmock-internal-ca-cert\n-----END CERTIFICATE-----",
        permissions: "0644",
        owner: "0",
        group: "0",
      },
    ]);
    assert.deepEqual(cloudflared.inputs.ports, []);
    assert.deepEqual(cloudflared.inputs.command, ["tunnel", "--no-autoupdate", "run"]);
  });

  it("creates cloudflared after the tunnel and its config, so destroy removes the container first", () => {
    const cloudflared = byType(home, CONTAINER).find((c) => c.name === "cloudflared")!;
    assert.ok(cloudflared.dependsOn.includes("remote-access-tunnel"));
    assert.ok(cloudflared.dependsOn.includes("remote-access-tunnel-config"));
  });

  it("removes a service's rule, record and Access app in the same run when it leaves the tunnel", async () => {
    const services = readStackConfig(PROJECT_DIR, "home").services as Record<string, Record<string, unknown>>;
    const run = await recordProgram("home", { services: { ...services, jellyseerr: { subdomain: "requests" } } });
    assert.equal(run.error, undefined);
    const hosts = one(run, TUNNEL_CONFIG).inputs.config.ingresses.map((r: { hostname?: string }) => r.hostname);
    assert.deepEqual(hosts, ["auth.home.example.com", "home.home.example.com", "photos.home.example.com", undefined]);
    assert.ok(!byType(run, DNS_RECORD).some((r) => r.name === "remote-access-dns-jellyseerr"));
    assert.ok(!byType(run, ACCESS_APP).some((r) => r.name === "remote-access-access-jellyseerr"));
    assert.equal(byType(run, TUNNEL).length, 1);
  });

  it("exports the public URLs", () => {
    assert.deepEqual(home.outputs.publicUrls, Object.fromEntries(Object.entries(TUNNELLED).map(([host, svc]) => [svc, `https://${host}`])));
  });
});

describe("remote access: the lab stack under mocks (Cloudflare disabled)", function () {
  this.timeout(60000);
  it("registers no Cloudflare resource, invokes no Cloudflare function and never loads the Cloudflare SDK", async () => {
    const lab = await recordProgram("lab");
    assert.equal(lab.error, undefined);
    assert.deepEqual(
      lab.resources.filter((r) => r.type.startsWith("cloudflare:")),
      [],
    );
    // the host stack's generated secrets are random resources too; none of them belongs to a tunnel
    assert.deepEqual(
      lab.resources.filter((r) => r.type.startsWith("random:") && /tunnel/.test(r.name)),
      [],
    );
    assert.deepEqual(lab.invokes, []);
    assert.ok(!lab.sdks.includes("@pulumi/cloudflare"), `loaded ${lab.sdks.join(", ")}`);
    assert.ok(!byType(lab, CONTAINER).some((c) => c.name.endsWith("cloudflared")));
  });

  it("refuses a tunnelled service while Cloudflare is off, before registering anything", async () => {
    const lab = await recordProgram("lab", { services: { whoami: { image: "traefik/whoami:v1.11.0", port: 80, expose: "tunnel" } } });
    assert.match(lab.error ?? "", /homelab:services\.whoami\.expose: is tunnel but Cloudflare remote access is off/);
    assert.deepEqual(lab.resources, []);
  });
});
