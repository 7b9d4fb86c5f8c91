import * as assert from "node:assert/strict";
import { SecretValue } from "../../config/secret";
import { TRAEFIK_API } from "../../topology/proxy";
import { tunnelPeerAddress } from "../../topology/tls";
import type { Plan } from "../../topology/types";
import { keyPaths } from "../support/keyPaths";
import { stackConfig, stackPlan } from "../support/configs";
import { container, file } from "../support/plans";
import { throughTunnel, traefikConfig, traefikServe, type Request } from "../support/traefikModel";

/**
 * The Traefik contract: Traefik v3.5.3 cannot run here (no binary from the reachable registries), so the
 * generated static config, dynamic files and labels are checked against the Traefik source each assertion
 * cites, and every request flow is played through tests/support/traefikModel.ts, a model of exactly that source.
 */

/**
 * Traefik publishes JSON schemas only through SchemaStore's repository (no npm package ships them, and copying
 * upstream files is not allowed): the key paths the generator may use, each transcribed from the json tags of
 * the v3.5.3 struct named beside it.
 */
const STATIC_KEYS = new Set([
  "global.checkNewVersion",
  "global.sendAnonymousUsage", // pkg/config/static/static_config.go Global
  "ping",
  "api.dashboard",
  "log.level", // static_config.go (ping.Handler, API), pkg/types/logs.go
  "accessLog.filePath",
  "accessLog.bufferingSize", // pkg/types/logs.go AccessLog
  "entryPoints.*.address",
  "entryPoints.*.forwardedHeaders.trustedIPs", // pkg/config/static/entrypoints.go
  "entryPoints.*.http.redirections.entryPoint.to",
  "entryPoints.*.http.redirections.entryPoint.scheme",
  "entryPoints.*.http.tls",
  "entryPoints.*.http.tls.certResolver",
  "entryPoints.*.http.tls.domains[].main",
  "entryPoints.*.http.tls.domains[].sans", // entrypoints.go TLSConfig, pkg/types/domains.go
  "providers.docker.endpoint",
  "providers.docker.exposedByDefault",
  "providers.docker.network",
  "providers.docker.constraints", // pkg/provider/docker/shared.go
  "providers.file.directory",
  "providers.file.watch", // pkg/provider/file/file.go
  "certificatesResolvers.*.acme.email",
  "certificatesResolvers.*.acme.storage",
  "certificatesResolvers.*.acme.caServer", // pkg/provider/acme/provider.go
  "certificatesResolvers.*.acme.dnsChallenge.provider",
  "certificatesResolvers.*.acme.dnsChallenge.resolvers",
  "experimental.plugins.*.moduleName",
  "experimental.plugins.*.version", // pkg/plugins/types.go
]);
const DYNAMIC_KEYS = new Set([
  "tls.certificates[].certFile",
  "tls.certificates[].keyFile",
  "tls.stores.*.defaultCertificate.certFile",
  "tls.stores.*.defaultCertificate.keyFile", // pkg/tls/certificate.go, tls.go Store
  // http.middlewares.<name>.plugin.<plugin>: the plugin's own configuration (bouncer v1.4.5 pkg/configuration/configuration.go).
  ...["enabled", "crowdsecMode", "crowdsecLapiScheme", "crowdsecLapiHost", "crowdsecLapiKeyFile", "forwardedHeadersTrustedIps"].map(
    (k) => `http.middlewares.*.plugin.*.${k}`,
  ),
]);
const WILD = new Set(["entryPoints", "certificatesResolvers", "experimental.plugins", "tls.stores", "http.middlewares", "http.middlewares.*.plugin"]);

const LAN_CLIENT = "192.168.1.50";
const INTERNET_CLIENT = "203.0.113.7";

/** The home stack with one tunnelled service per flow: protected, bypass, deny, API bypass. */
function flowStack(acme: boolean): Plan {
  const services = {
    ...(stackConfig("home").services as Record<string, unknown>),
    jellyseerr: { subdomain: "requests", expose: "tunnel" },
    homepage: { subdomain: "home", expose: "tunnel", auth: "bypass", remoteAuth: "access" },
    tdarr: { expose: "tunnel", auth: "deny" },
    sonarr: { expose: "tunnel" },
  };
  return stackPlan("home", { services, ...(acme ? { acme: { email: "ops@example.com", cloudflareApiToken: new SecretValue("t") } } : {}) });
}

const MODES = [
  ["internal CA", false],
  ["ACME", true],
] as const;

for (const [mode, acme] of MODES) {
  describe(`Traefik contract (home, ${mode})`, () => {
    const plan = flowStack(acme);
    const { staticConfig, dynamic, labels } = traefikConfig(plan);
    const eps = staticConfig.entryPoints;
    const peer = tunnelPeerAddress("192.168.90.0/24");

    it("websecure serves TLS on :443 for every router; web (:80) only redirects to it", () => {
      // pkg/config/static/entrypoints.go (HTTPConfig.TLS, Redirections); server/aggregator.go applyModel.
      assert.equal(eps.websecure.address, ":443");
      assert.ok(eps.websecure.http.tls, "entrypoint-level TLS");
      assert.equal(eps.web.address, ":80");
      assert.deepEqual(eps.web.http.redirections, { entryPoint: { to: "websecure", scheme: "https" } });
      assert.equal(eps.websecure.http.redirections, undefined, "redirect only on the LAN's plain-HTTP entrypoint");
      assert.deepEqual(Object.keys(eps).sort(), ["web", "websecure"]);
      const routers = Object.keys(labels).filter((k) => k.endsWith(".entrypoints"));
      assert.ok(routers.length >= plan.routes.length);
      for (const k of routers) assert.equal(labels[k], "websecure", k);
      if (acme) {
        // pkg/provider/acme: the resolver named by the entrypoint must exist; one wildcard for the domain.
        assert.deepEqual(eps.websecure.http.tls, { certResolver: "acme", domains: [{ main: plan.domain, sans: [`*.${plan.domain}`] }] });
        assert.ok(staticConfig.certificatesResolvers.acme.acme.dnsChallenge);
      } else {
        // pkg/tls/tlsmanager.go: `{}` = the default store's default certificate, set by the file provider.
        assert.deepEqual(eps.websecure.http.tls, {});
        const tls = dynamic.find((d) => d.tls)!.tls;
        const files = (container(plan, "traefik").files ?? []).map((f) => f.path);
        assert.ok(files.includes(tls.stores.default.defaultCertificate.certFile) && files.includes(tls.stores.default.defaultCertificate.keyFile));
        assert.ok(staticConfig.providers.file.directory === "/etc/traefik/dynamic");
      }
    });

    it("uses only keys Traefik v3.5.3 and the bouncer v1.4.5 define, static and dynamic", () => {
      for (const key of keyPaths(staticConfig, (p) => WILD.has(p))) assert.ok(STATIC_KEYS.has(key), `unknown static key ${key}`);
      for (const doc of dynamic) for (const key of keyPaths(doc, (p) => WILD.has(p))) assert.ok(DYNAMIC_KEYS.has(key), `unknown dynamic key ${key}`);
    });

    it("trusts forwarded headers from cloudflared's fixed address only", () => {
      // middlewares/forwardedheaders/forwarded_header.go: headers of peers outside trustedIPs are deleted.
      assert.deepEqual(eps.websecure.forwardedHeaders, { trustedIPs: [peer] });
      assert.equal(eps.web.forwardedHeaders, undefined);
      assert.deepEqual(container(plan, "cloudflared").addresses, { "vnet-ingress": peer });
      const ingress = plan.networks.find((n) => n.kind === "ingress")!;
      assert.equal(ingress.ipRange, "192.168.90.0/25", "Docker never hands cloudflared's address to anyone else");
      for (const c of plan.containers.filter((c) => c.name !== "cloudflared")) assert.equal(c.addresses, undefined, c.name);
    });

    it("sends the tunnel to websecure over https with the host as SNI, verified (no redirect, no plain HTTP)", () => {
      for (const rule of plan.tunnel!.ingress.filter((r) => r.hostname)) {
        const url = new URL(rule.service);
        assert.equal(url.protocol, "https:");
        assert.equal(`:${url.port || 443}`, eps.websecure.address, "the origin is the TLS entrypoint");
        assert.equal(rule.originRequest?.originServerName, rule.hostname);
        assert.equal(rule.originRequest?.httpHostHeader, rule.hostname);
        assert.equal(rule.originRequest?.noTlsVerify, undefined);
        if (!acme)
          assert.ok(
            (container(plan, "cloudflared").files ?? []).some((f) => f.path === rule.originRequest?.caPool),
            "cloudflared holds the CA it verifies with",
          );
      }
    });

    it("points forward-auth at Authelia 4.39's /api/authz/forward-auth and passes its user headers on", () => {
      // Authelia docs integration/proxies/traefik (4.39): address, trustForwardHeader, authResponseHeaders.
      assert.equal(labels["traefik.http.middlewares.authelia.forwardauth.address"], "http://authelia:9091/api/authz/forward-auth");
      assert.equal(labels["traefik.http.middlewares.authelia.forwardauth.trustForwardHeader"], "true");
      assert.equal(labels["traefik.http.middlewares.authelia.forwardauth.authResponseHeaders"], "Remote-User,Remote-Groups,Remote-Email,Remote-Name");
      assert.match(traefikConfig(plan).authelia.server.address, /:9091\/$/);
    });

    it("gives the CrowdSec bouncer the same single trusted address, on the header Traefik sanitises", () => {
      // crowdsec-bouncer-traefik-plugin v1.4.5 pkg/configuration (forwardedHeadersTrustedIps, forwardedHeadersCustomName).
      const bouncer = dynamic.find((d) => d.http?.middlewares)!.http.middlewares.crowdsec.plugin.bouncer;
      assert.deepEqual(bouncer.forwardedHeadersTrustedIps, [peer]);
      assert.equal(
        bouncer.forwardedHeadersCustomName,
        undefined,
        "the default X-Forwarded-For (configuration.go New), which Traefik empties for untrusted peers",
      );
      assert.equal(staticConfig.experimental.plugins.bouncer.version, "v1.4.5");
    });

    describe("flows", () => {
      const host = (service: string) => plan.routes.find((r) => r.service === service)!.host;
      const portal = `https://auth.${plan.domain}`;
      const lan = (service: string, path = "/", extra: Partial<Request> = {}) =>
        traefikServe(plan, {
          peer: LAN_CLIENT,
          port: 443,
          tls: { sni: host(service), trusts: acme ? "system-roots" : "stack-ca" },
          host: host(service),
          path,
          ...extra,
        });
      const paths = {
        lan,
        tunnel: (service: string, path = "/", extra: Partial<Request> = {}) => throughTunnel(plan, host(service), path, INTERNET_CLIENT, extra),
      };

      for (const [where, serve] of Object.entries(paths)) {
        it(`${where}: unauthenticated protected GET → 302 to the portal with an https rd`, () => {
          const r = serve("jellyseerr", "/discover?x=1");
          assert.equal(r.status, 302, JSON.stringify(r));
          assert.equal(r.location, `${portal}/?rd=${encodeURIComponent(`https://${host("jellyseerr")}/discover?x=1`)}`);
        });
        it(`${where}: with a session → 200 with the user headers`, () => {
          const r = serve("jellyseerr", "/", { session: "two_factor" });
          assert.equal(r.status, 200, JSON.stringify(r));
          assert.equal(r.upstreamHeaders?.["Remote-User"], "tester");
        });
        it(`${where}: bypass → 200 without login`, () => assert.equal(serve("homepage").status, 200));
        it(`${where}: deny → 403 even with a session`, () => assert.equal(serve("tdarr", "/", { session: "two_factor" }).status, 403));
        it(`${where}: apiBypass → 200 on /api without login, the UI still protected`, () => {
          assert.equal(serve("sonarr", "/api/v3/series?apikey=k").status, 200);
          assert.equal(serve("sonarr", "/").status, 302);
        });
      }

      it("lan: plain HTTP only redirects to https, same host and path", () => {
        const r = traefikServe(plan, { peer: LAN_CLIENT, port: 80, host: host("jellyseerr"), path: "/a?b" });
        assert.deepEqual([r.status, r.location], [308, `https://${host("jellyseerr")}/a?b`]);
      });

      it("tunnel: the bouncer and the access log (CrowdSec's input) see the Internet client; an outsider's spoofed headers count for nothing", () => {
        const tunnelled = paths.tunnel("jellyseerr");
        assert.deepEqual([tunnelled.bouncerClientIp, tunnelled.accessLogClientHost], [INTERNET_CLIENT, INTERNET_CLIENT]);
        assert.equal(lan("jellyseerr").accessLogClientHost, LAN_CLIENT);
        const outsider = "192.168.90.9";
        const spoof = { "X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https", "CF-Connecting-IP": "198.51.100.1" };
        const r = traefikServe(plan, {
          peer: outsider,
          port: 443,
          tls: { sni: host("jellyseerr"), trusts: "nothing-verified" },
          host: host("jellyseerr"),
          path: "/",
          headers: spoof,
        });
        assert.deepEqual([r.bouncerClientIp, r.accessLogClientHost], [outsider, outsider]);
        assert.equal(r.status, 302, "still asked to log in");
      });

      it("the Traefik dashboard route is on websecure behind SSO too", () => {
        const dash = plan.routes.find((r) => r.upstream === TRAEFIK_API)!;
        assert.equal(lan(dash.service).status, 302);
      });
    });
  });
}

describe("Traefik contract: a stack without the tunnel trusts nobody's forwarded headers", () => {
  const plan = stackPlan("home", {
    cloudflare: undefined,
    services: Object.fromEntries(
      Object.entries(stackConfig("home").services as Record<string, any>).map(([k, v]) => [
        k,
        { ...v, expose: v.expose === "tunnel" ? "lan" : v.expose, remoteAuth: undefined },
      ]),
    ),
  });
  it("no trustedIPs, no bouncer trusted list, no fixed address", () => {
    const { staticConfig, dynamic } = traefikConfig(plan);
    assert.equal(staticConfig.entryPoints.websecure.forwardedHeaders, undefined);
    assert.equal(dynamic.find((d) => d.http)!.http.middlewares.crowdsec.plugin.bouncer.forwardedHeadersTrustedIps, undefined);
    assert.ok(plan.containers.every((c) => !c.addresses));
    assert.ok(file(container(plan, "traefik"), "/etc/traefik/traefik.yml"));
  });
});
