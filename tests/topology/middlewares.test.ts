import * as assert from "node:assert/strict";
import { formatPlan } from "../../cli/format";
import { DEFAULT_RATE_LIMIT } from "../../config/middlewareSchema";
import { SWAG_COMPRESSION_CONF, SWAG_SECURE_HEADERS_CONF, swagMiddlewareLines } from "../../topology/middlewares";
import { buildPlan } from "../../topology/plan";
import type { Plan } from "../../topology/types";
import { errorsOf, minimalConfig, planOf } from "../support/configs";

/** The middleware chain's config surface: defaults, overrides, and every refusal with its key path. */

const route = (plan: Plan, service: string) => plan.routes.find((r) => r.service === service)!;
const services = { jellyfin: {}, sonarr: {}, whoami: { image: "traefik/whoami:v1.11.0", port: 80 } };
const tunnel = { enabled: true, accountId: "0".repeat(32), zoneId: "1".repeat(32), allow: { emails: ["o@example.com"] } };

describe("middlewares: what each route gets", () => {
  it("secure headers and compression by default, nothing else", () => {
    const plan = planOf(minimalConfig({ services }));
    for (const r of plan.routes) assert.deepEqual(r.middlewares, { secureHeaders: true, compression: true, appsec: false }, r.service);
  });

  it("stack-wide settings, then each service's own; rateLimit: true is Omakase's numbers", () => {
    const plan = planOf(
      minimalConfig({
        services: {
          jellyfin: { middlewares: { compression: false, rateLimit: { average: 5 } } },
          sonarr: { middlewares: { lanOnly: false, secureHeaders: false } },
          whoami: { image: "traefik/whoami:v1.11.0", port: 80, middlewares: { rateLimit: false } },
        },
        middlewares: { rateLimit: true, lanOnly: true, lanSources: ["100.64.0.0/10"] },
      }),
    );
    const lan = ["192.168.1.0/24", "100.64.0.0/10"];
    assert.deepEqual(route(plan, "jellyfin").middlewares, {
      secureHeaders: true,
      compression: false,
      rateLimit: { average: 5, burst: DEFAULT_RATE_LIMIT.burst },
      lanOnly: lan,
      appsec: false,
    });
    assert.deepEqual(route(plan, "sonarr").middlewares, { secureHeaders: false, compression: true, rateLimit: DEFAULT_RATE_LIMIT, appsec: false });
    assert.deepEqual(route(plan, "whoami").middlewares, { secureHeaders: true, compression: true, lanOnly: lan, appsec: false });
  });

  it("a stack-wide lanOnly leaves tunnelled routes alone", () => {
    const plan = planOf(minimalConfig({ services: { ...services, jellyfin: { expose: "tunnel" } }, middlewares: { lanOnly: true }, cloudflare: tunnel }));
    assert.equal(route(plan, "jellyfin").middlewares?.lanOnly, undefined);
    assert.deepEqual(route(plan, "sonarr").middlewares?.lanOnly, ["192.168.1.0/24"]);
  });

  it("AppSec reaches every route when CrowdSec runs behind Traefik", () => {
    const plan = planOf(minimalConfig({ services, crowdsec: { appsec: true } }));
    assert.ok(plan.routes.length > 1 && plan.routes.every((r) => r.middlewares?.appsec));
  });

  it("`homelab plan` shows each route's chain", () => {
    const plan = planOf(minimalConfig({ services: { ...services, sonarr: { middlewares: { rateLimit: true, lanOnly: true } } }, crowdsec: { appsec: true } }));
    const text = formatPlan("t", plan);
    assert.match(text, /HOST\s+UPSTREAM\s+AUTH\s+EXPOSE\s+MIDDLEWARES/);
    assert.match(text, /https:\/\/sonarr\.home\.example\.com .*lan-only, appsec, rate-limit 100\/s burst 50, secure-headers, compress$/m);
    assert.match(text, /https:\/\/jellyfin\.home\.example\.com .* appsec, secure-headers, compress$/m);
  });
});

describe("middlewares: SWAG's nginx lines", () => {
  const plan = planOf(
    minimalConfig({
      proxy: "swag",
      services: { ...services, sonarr: { middlewares: { rateLimit: { average: 3, burst: 7 }, lanOnly: true, compression: false } } },
      middlewares: { lanSources: ["10.8.0.0/24"] },
    }),
  );
  it("LAN check and rate limit only where asked, at http level before the server they serve", () => {
    const sonarr = swagMiddlewareLines(route(plan, "sonarr"));
    assert.deepEqual(sonarr.http, [
      "geo $realip_remote_addr $lan_client_sonarr {",
      "    default 0;",
      "    192.168.1.0/24 1;",
      "    10.8.0.0/24 1;",
      "}",
      "limit_req_zone $binary_remote_addr zone=rate_limit_sonarr:10m rate=3r/s;",
    ]);
    assert.deepEqual(sonarr.server, [
      "if ($lan_client_sonarr = 0) {",
      "    return 403;",
      "}",
      "limit_req zone=rate_limit_sonarr burst=7 nodelay;",
      "limit_req_status 429;",
      `include ${SWAG_SECURE_HEADERS_CONF};`,
      "gzip off;",
    ]);
    assert.deepEqual(swagMiddlewareLines(route(plan, "jellyfin")), {
      http: [],
      server: [`include ${SWAG_SECURE_HEADERS_CONF};`, `include ${SWAG_COMPRESSION_CONF};`],
    });
  });
});

describe("middlewares: refusals, each with its key path", () => {
  const cases: { name: string; config: Record<string, unknown>; expect: string }[] = [
    {
      name: "rateLimit neither a switch nor numbers",
      config: minimalConfig({ middlewares: { rateLimit: "fast" } }),
      expect: 'homelab:middlewares.rateLimit: must be true, false or { average, burst } (got "fast")',
    },
    {
      name: "rateLimit average zero",
      config: minimalConfig({ middlewares: { rateLimit: { average: 0 } } }),
      expect: "homelab:middlewares.rateLimit.average: Too small: expected number to be >=1 (got 0)",
    },
    {
      name: "unknown key in a service's middlewares",
      config: minimalConfig({ services: { jellyfin: { middlewares: { gzip: true } } } }),
      expect: 'homelab:services.jellyfin.middlewares: unknown key "gzip"',
    },
    {
      name: "lanSources not a CIDR",
      config: minimalConfig({ middlewares: { lanSources: ["10.8.0.0"] } }),
      expect: 'homelab:middlewares.lanSources.0: is not an IPv4 CIDR like 192.168.16.0/20 (got "10.8.0.0")',
    },
    {
      name: "lanSources with host bits",
      config: minimalConfig({ middlewares: { lanSources: ["10.8.0.1/24"] } }),
      expect: "homelab:middlewares.lanSources.0: 10.8.0.1/24 is not a network address (host bits set); did you mean 10.8.0.0/24?",
    },
    {
      name: "lanSources covering vnet-ingress (cloudflared would pass as a LAN client)",
      config: minimalConfig({ middlewares: { lanSources: ["192.168.0.0/16"] } }),
      expect:
        "homelab:middlewares.lanSources.0: 192.168.0.0/16 overlaps vnet-ingress (192.168.90.0/24), where cloudflared and every routed container live: they would pass as LAN clients",
    },
    {
      name: "a service asks for LAN-only on the tunnel",
      config: minimalConfig({ services: { jellyfin: { expose: "tunnel", middlewares: { lanOnly: true } } }, cloudflare: tunnel }),
      expect:
        "homelab:services.jellyfin.middlewares.lanOnly: 'jellyfin' is on the tunnel (expose: tunnel): a LAN-only route cannot be reached from the Internet; set expose: lan",
    },
    {
      name: "stack-wide LAN-only without a LAN",
      config: minimalConfig({ lan: undefined, middlewares: { lanOnly: true } }),
      expect: "homelab:middlewares.lanOnly: needs the LAN's address range: set homelab:lan (or homelab:middlewares.lanSources)",
    },
    {
      name: "a service's LAN-only without a LAN",
      config: minimalConfig({ lan: undefined, services: { jellyfin: { middlewares: { lanOnly: true } } } }),
      expect: "homelab:services.jellyfin.middlewares.lanOnly: needs the LAN's address range: set homelab:lan (or homelab:middlewares.lanSources)",
    },
    {
      name: "AppSec with SWAG",
      config: minimalConfig({ proxy: "swag", crowdsec: { appsec: true } }),
      expect:
        "homelab:crowdsec.appsec: SWAG's CrowdSec mod cannot run AppSec over HTTP/2, which SWAG's own nginx.conf turns on for every site: use homelab:proxy traefik for AppSec",
    },
    {
      name: "AppSec without CrowdSec",
      config: minimalConfig({ crowdsec: { enabled: false, appsec: true } }),
      expect: "homelab:crowdsec.appsec: AppSec is part of CrowdSec, which this stack does not run (homelab:crowdsec.enabled)",
    },
    {
      name: "AppSec not a switch",
      config: minimalConfig({ crowdsec: { appsec: "yes" } }),
      expect: 'homelab:crowdsec.appsec: expected boolean (got "yes")',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const raw = { ...c.config };
      for (const [k, v] of Object.entries(raw)) if (v === undefined) delete raw[k];
      assert.deepEqual(errorsOf(buildPlan(raw)), [c.expect]);
    });
});
