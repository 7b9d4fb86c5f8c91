import * as assert from "node:assert/strict";
import { buildPlan } from "../../topology/plan";
import { CATCH_ALL, hostnameProblems, ingressProblems, TUNNEL_CA_FILE } from "../../topology/remoteAccess";
import { TLS_PLACEHOLDERS } from "../../topology/tls";
import { CLOUDFLARE, planOf, planProblems } from "../support/configs";

/** A small stack with Cloudflare on; `services` and `cloudflare` replace the defaults when given (`null`: no homelab:cloudflare). */
function config(
  services: Record<string, unknown> = { jellyseerr: { expose: "tunnel" } },
  cloudflare: Record<string, unknown> | null = CLOUDFLARE,
  extra: Record<string, unknown> = {},
) {
  return { domain: "home.example.com", services, ...(cloudflare ? { cloudflare } : {}), ...extra };
}

function assertError(raw: unknown, path: string, message: RegExp) {
  const found = planProblems(raw);
  assert.ok(
    found.some((e) => e.path === path && message.test(e.message)),
    `no error at ${path} matching ${message}; got:\n${found.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`,
  );
}

describe("remote access: planning", () => {
  it("plans ingress, DNS and Access for a tunnelled service behind Traefik", () => {
    const p = planOf(config());
    const rule = (host: string) => ({
      hostname: host,
      service: "https://traefik:443",
      originRequest: { httpHostHeader: host, originServerName: host, caPool: TUNNEL_CA_FILE },
    });
    const record = (host: string, service: string) => ({ name: host, type: "CNAME", content: "<tunnel-id>.cfargotunnel.com", proxied: true, ttl: 1, service });
    const app = (host: string, service: string) => ({ domain: host, service, policies: ["allow"], sessionDuration: "24h" });
    // Authelia's portal comes along: jellyseerr's login redirects there (tests/topology/authelia.portal.test.ts).
    assert.deepEqual(p.tunnel?.ingress, [rule("auth.home.example.com"), rule("jellyseerr.home.example.com"), CATCH_ALL]);
    assert.deepEqual(p.dns, [record("auth.home.example.com", "authelia"), record("jellyseerr.home.example.com", "jellyseerr")]);
    assert.deepEqual(p.access, [app("auth.home.example.com", "authelia"), app("jellyseerr.home.example.com", "jellyseerr")]);
    assert.deepEqual(
      p.cloudflare?.policies.map((x) => x.name),
      ["allow"],
    );
    const cloudflared = p.containers.find((c) => c.name === "cloudflared");
    assert.deepEqual(cloudflared?.networks, ["vnet-ingress"]);
    assert.deepEqual(Object.keys(cloudflared?.secretEnv ?? {}), ["TUNNEL_TOKEN"]);
    // The one peer whose forwarded headers the proxy trusts: a fixed address Docker never hands to anyone else.
    assert.deepEqual(cloudflared?.addresses, { "vnet-ingress": "192.168.90.254" });
    const ingress = p.networks.find((n) => n.name === "vnet-ingress")!;
    assert.equal(ingress.ipRange, "192.168.90.0/25");
    assert.deepEqual(cloudflared?.files, [{ path: TUNNEL_CA_FILE, content: TLS_PLACEHOLDERS.ca, secret: false }], "the stack CA, to verify the proxy");
  });

  it("sends SWAG traffic to https://<prefix>swag:443 with its hostname as SNI, verified against the stack CA", () => {
    const p = planOf(config(undefined, CLOUDFLARE, { proxy: "swag", network: { prefix: "lab-" } }));
    assert.deepEqual(
      p.tunnel?.ingress.find((r) => r.hostname === "jellyseerr.home.example.com"),
      {
        hostname: "jellyseerr.home.example.com",
        service: "https://lab-swag:443",
        originRequest: { httpHostHeader: "jellyseerr.home.example.com", originServerName: "jellyseerr.home.example.com", caPool: TUNNEL_CA_FILE },
      },
    );
    assert.equal(p.tunnel?.name, "lab-homelab");
    assert.equal(p.tunnel?.connector, "lab-cloudflared");
  });

  it("warns that hosts two levels below the zone are not covered by Universal SSL", () => {
    const result = buildPlan(config());
    assert.ok(result.warnings.some((w) => /jellyseerr\.home\.example\.com .*Universal SSL/.test(w)));
  });

  it("plans no remote access at all while Cloudflare is disabled", () => {
    const p = planOf(config({ jellyseerr: {} }, { ...CLOUDFLARE, enabled: false }));
    assert.equal(p.tunnel, undefined);
    assert.equal(p.dns, undefined);
    assert.equal(p.access, undefined);
    assert.ok(!p.services.some((s) => s.name === "cloudflared"));
  });
});

describe("remote access: validation errors", () => {
  it("refuses a public hostname outside the Cloudflare zone", () => {
    assertError(
      config(undefined, { ...CLOUDFLARE, zone: "example.org" }),
      "homelab:services.jellyseerr.subdomain",
      /not inside the Cloudflare zone example\.org/,
    );
    // a suffix that is not a label boundary is not "inside"
    assertError(config(undefined, { ...CLOUDFLARE, zone: "ample.com" }), "homelab:services.jellyseerr.subdomain", /not inside the Cloudflare zone ample\.com/);
  });

  it("refuses two tunnelled services on the same hostname", () => {
    assertError(
      config({ jellyseerr: { expose: "tunnel", subdomain: "media" }, jellyfin: { expose: "tunnel", subdomain: "media" } }),
      "homelab:services.jellyseerr.subdomain",
      /media\.home\.example\.com is already routed/,
    );
  });

  it("refuses a subdomain that is not a valid DNS label", () => {
    assertError(config({ jellyseerr: { expose: "tunnel", subdomain: "Requests_1" } }), "homelab:services.jellyseerr.subdomain", /DNS label/);
  });

  it("refuses a tunnelled service while Cloudflare is disabled or not configured", () => {
    assertError(config(undefined, { ...CLOUDFLARE, enabled: false }), "homelab:services.jellyseerr.expose", /is tunnel but Cloudflare remote access is off/);
    assertError(config(undefined, null), "homelab:services.jellyseerr.expose", /is tunnel but Cloudflare remote access is off/);
  });

  it("refuses Cloudflare enabled without accountId or zoneId", () => {
    const found = planProblems(config(undefined, { enabled: true, allow: { emails: ["owner@example.com"] } }));
    assert.deepEqual(
      found.map((e) => `${e.path}: ${e.message}`),
      [
        "homelab:cloudflare.accountId: is required when homelab:cloudflare.enabled is true",
        "homelab:cloudflare.zoneId: is required when homelab:cloudflare.enabled is true",
      ],
    );
  });

  it("refuses malformed Cloudflare ids", () => {
    assertError(config(undefined, { ...CLOUDFLARE, accountId: "not-an-id" }), "homelab:cloudflare.accountId", /Cloudflare id/);
  });

  it("refuses auth: bypass on the tunnel without Cloudflare Access unless public: true", () => {
    const bypass = { expose: "tunnel", auth: "bypass", remoteAuth: "authelia" };
    assertError(config({ jellyseerr: bypass }), "homelab:services.jellyseerr.auth", /no login at all/);
    const p = planOf(config({ jellyseerr: { ...bypass, public: true } }));
    assert.deepEqual(p.access, []);
    assert.equal(p.dns?.length, 1);
    // public alone (remoteAuth left to default) also means no Access application
    assert.deepEqual(planOf(config({ jellyseerr: { expose: "tunnel", auth: "bypass", public: true } })).access, []);
  });

  it("accepts auth: bypass on the tunnel when Cloudflare Access guards it, with a warning for remoteAuth both", () => {
    const result = buildPlan(config({ jellyseerr: { expose: "tunnel", auth: "bypass" } }));
    assert.ok(result.ok);
    assert.ok(result.warnings.some((w) => /only Cloudflare Access guards it/.test(w)));
  });

  it("refuses public: true together with an explicit Access remoteAuth", () => {
    assertError(
      config({ jellyseerr: { expose: "tunnel", public: true, remoteAuth: "access" } }),
      "homelab:services.jellyseerr.public",
      /no Cloudflare Access application, but remoteAuth is access/,
    );
  });

  it("refuses public or remoteAuth on a service that is not on the tunnel", () => {
    assertError(
      config({ jellyseerr: { expose: "tunnel" }, jellyfin: { public: true } }),
      "homelab:services.jellyfin.public",
      /only applies to services with expose: tunnel/,
    );
    assertError(
      config({ jellyseerr: { expose: "tunnel" }, jellyfin: { remoteAuth: "both" } }),
      "homelab:services.jellyfin.remoteAuth",
      /only applies to services with expose: tunnel/,
    );
  });

  it("refuses Access applications that nobody is allowed through", () => {
    assertError(
      config(undefined, { ...CLOUDFLARE, allow: { emails: [], emailDomains: [] } }),
      "homelab:cloudflare.allow",
      /nobody could pass Cloudflare Access/,
    );
  });

  it("refuses listing cloudflared by hand while Cloudflare is disabled", () => {
    assertError(config({ cloudflared: {} }, null), "homelab:services.cloudflared", /enable homelab:cloudflare instead/);
  });
});

describe("remote access: hostname and ingress invariants", () => {
  it("hostnameProblems: valid labels, length and zone membership", () => {
    assert.deepEqual(hostnameProblems("app.home.example.com", "example.com"), []);
    assert.deepEqual(hostnameProblems("example.com", "example.com"), []);
    assert.match(hostnameProblems("bad_label.example.com", "example.com").join(), /invalid DNS label\(s\) "bad_label"/);
    assert.match(hostnameProblems("-app.example.com", "example.com").join(), /invalid DNS label\(s\) "-app"/);
    assert.match(hostnameProblems(`${"a".repeat(64)}.example.com`, "example.com").join(), /invalid DNS label/);
    assert.match(hostnameProblems("a..example.com", "example.com").join(), /invalid DNS label\(s\) ""/);
    assert.match(hostnameProblems(`${"abcdefgh.".repeat(31)}example.com`, "example.com").join(), /longer than 253/);
    assert.match(hostnameProblems("app.example.org", "example.com").join(), /not inside the Cloudflare zone example\.com/);
  });

  const rule = (hostname: string) => ({ hostname, service: "https://traefik:443" });

  it("ingressProblems: accepts unique hosts followed by one catch-all", () => {
    assert.deepEqual(ingressProblems([rule("a.example.com"), rule("b.example.com"), CATCH_ALL], "example.com"), []);
    assert.deepEqual(ingressProblems([CATCH_ALL], "example.com"), []);
  });

  it("ingressProblems: the catch-all must be last", () => {
    assert.deepEqual(ingressProblems([CATCH_ALL, rule("a.example.com")], "example.com"), [
      "rule 1 (http_status:404) has no hostname: only the last rule may be a catch-all",
      "the last rule must be the catch-all http_status:404",
    ]);
  });

  it("ingressProblems: the catch-all must be unique and present", () => {
    assert.deepEqual(ingressProblems([rule("a.example.com"), CATCH_ALL, CATCH_ALL], "example.com"), [
      "rule 2 (http_status:404) has no hostname: only the last rule may be a catch-all",
    ]);
    assert.deepEqual(ingressProblems([rule("a.example.com")], "example.com"), ["the last rule must be the catch-all http_status:404"]);
    assert.deepEqual(ingressProblems([], "example.com"), ["the last rule must be the catch-all http_status:404"]);
    assert.deepEqual(ingressProblems([rule("a.example.com"), { service: "https://traefik:443" }], "example.com"), [
      "the last rule must be the catch-all http_status:404",
    ]);
  });

  it("ingressProblems: hostnames must be unique, valid and inside the zone", () => {
    assert.deepEqual(ingressProblems([rule("a.example.com"), rule("a.example.com"), CATCH_ALL], "example.com"), [
      "host a.example.com has more than one ingress rule",
    ]);
    assert.match(ingressProblems([rule("a.example.net"), CATCH_ALL], "example.com").join(), /not inside the Cloudflare zone/);
    assert.match(ingressProblems([rule("a_b.example.com"), CATCH_ALL], "example.com").join(), /invalid DNS label/);
  });
});
