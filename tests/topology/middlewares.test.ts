import * as assert from "node:assert/strict";
import { DEFAULT_RATE_LIMIT } from "../../config/middlewareSchema";
import { SWAG_COMPRESSION_CONF, SWAG_SECURE_HEADERS_CONF, swagMiddlewareLines } from "../../topology/middlewares";
import type { Plan } from "../../topology/types";
import { minimalConfig, planOf } from "../support/configs";

/** The middleware chain's config surface: defaults and overrides (its refusals are rows of plan.invalidConfigs.test.ts). */

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
