import { z } from "zod";

/**
 * The middleware chain every route passes through in the proxy (Traefik middlewares, the same in SWAG's nginx),
 * after Omakase's: secure response headers and compression on by default, a per-client rate limit and a LAN-only
 * allowlist when asked. Set for the whole stack in `homelab:middlewares`, overridden per service in
 * `homelab:services.<name>.middlewares`. topology/middlewares.ts turns it into proxy configuration.
 */

/** Omakase's rate limit (anandslab/docker-traefik middlewares-rate-limit): 100 requests a second, 50 more at once. */
export const DEFAULT_RATE_LIMIT = { average: 100, burst: 50 } as const;

const rateLimitSettings = z.strictObject({
  /** Requests a second each client may make on average (Traefik rateLimit.average, nginx limit_req_zone rate). */
  average: z.number().int().min(1).max(10000).default(DEFAULT_RATE_LIMIT.average),
  /** Requests a client may make at once above the average before it gets 429 (rateLimit.burst, limit_req burst). */
  burst: z.number().int().min(1).max(10000).default(DEFAULT_RATE_LIMIT.burst),
});
/** `true` (Omakase's numbers), `false`, or the numbers themselves. */
const rateLimit = z.union([z.boolean(), rateLimitSettings], { error: "must be true, false or { average, burst }" });
export type RateLimitSetting = z.infer<typeof rateLimit>;

const toggles = {
  /** HSTS, nosniff, SAMEORIGIN framing, a same-origin referrer, no robots (topology/middlewares.ts SECURE_HEADERS). */
  secureHeaders: z.boolean(),
  /** gzip for text responses (Traefik compress, nginx gzip). */
  compression: z.boolean(),
  rateLimit,
  /** Only clients on the LAN (`homelab:lan` and `homelab:middlewares.lanSources`) get through; everyone else gets 403. */
  lanOnly: z.boolean(),
};

const cidrList = (cidr: z.ZodType<string>) => z.array(cidr).max(64, "list at most 64 ranges");

/** `homelab:middlewares`: the stack's defaults. */
export const middlewaresConfig = (cidr: z.ZodType<string>) =>
  z.strictObject({
    secureHeaders: toggles.secureHeaders.default(true),
    compression: toggles.compression.default(true),
    rateLimit: toggles.rateLimit.default(false),
    lanOnly: toggles.lanOnly.default(false),
    /** More source ranges that count as the LAN for lanOnly besides homelab:lan: a second VLAN, a VPN such as 100.64.0.0/10. */
    lanSources: cidrList(cidr).default([]),
  });
export type MiddlewaresConfig = z.infer<ReturnType<typeof middlewaresConfig>>;

/** `homelab:services.<name>.middlewares`: what differs for this service's route. */
export const routeMiddlewaresConfig = z.strictObject({
  secureHeaders: toggles.secureHeaders.optional(),
  compression: toggles.compression.optional(),
  rateLimit: toggles.rateLimit.optional(),
  lanOnly: toggles.lanOnly.optional(),
});
export type RouteMiddlewaresConfig = z.infer<typeof routeMiddlewaresConfig>;
