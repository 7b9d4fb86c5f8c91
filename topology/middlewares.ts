/*
 * The middleware chain of every route, after Omakase's Traefik chain: secure response headers and compression
 * by default, a per-client rate limit and a LAN-only allowlist when asked (config/middlewareSchema.ts), and
 * CrowdSec's AppSec WAF (topology/appsec.ts). One resolved `RouteMiddlewares` per route is the source of truth;
 * the Traefik dynamic file and SWAG's nginx lines below are two renderings of it.
 *
 * Order, both proxies: secure headers (on every answer, the refusals and the login redirect included) → LAN check
 * (403) → CrowdSec (banned IPs, AppSec) → rate limit (429) → compression → Authelia → the app.
 *
 * Which client the LAN check judges: the TCP peer, in both proxies. A LAN-only route has no legitimate client
 * but the ones that connect to the proxy directly, so the peer is the real client; and it is the one address a
 * relay cannot choose. Through the tunnel the peer is cloudflared, whose address (vnet-ingress) the LAN ranges
 * may never contain (checked below), so a tunnelled request is refused whatever it claims to come from.
 * - Traefik: ipAllowList without ipStrategy judges the peer (traefik v3.5.3 pkg/config/dynamic/middlewares.go
 *   IPStrategy.Get → pkg/ip/strategy.go RemoteAddrStrategy). An ipStrategy would be wrong: with excludedIPs or
 *   depth Traefik reads only X-Forwarded-For (strategy.go PoolStrategy/DepthStrategy), and a LAN client, who
 *   sends none, would be judged as "" and refused.
 * - nginx: `geo` on $realip_remote_addr, the peer before the realip module puts cloudflared's CF-Connecting-IP in
 *   its place (nginx.org/en/docs/http/ngx_http_realip_module.html#variables): what cloudflared forwards never counts.
 * A LAN-only route is also never put on the tunnel (refused below): cloudflared has no ingress rule for its host.
 * The rate limit, by contrast, keys on the real client: behind the tunnel that is the visitor (see below).
 */
import { DEFAULT_RATE_LIMIT, type RateLimitSetting } from "../config/middlewareSchema";
import type { StackConfig } from "../config/schema";
import { yamlFile } from "../config/yaml";
import { formatBlock, isNetworkAddress, overlaps, parseBlock } from "./cidr";
import type { Naming } from "./naming";
import type { PlannedFile, PlanProblem, Route, RouteMiddlewares } from "./types";

/**
 * The response headers of `secureHeaders`, the same for both proxies (Omakase's middlewares-secure-headers, minus
 * HSTS preload, which is a promise to browser vendors the owner has to make). Set, not added: an app's own value
 * for the same header is replaced (Traefik customResponseHeaders; nginx proxy_hide_header + add_header).
 */
export const SECURE_HEADERS: Readonly<Record<string, string>> = {
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "SAMEORIGIN",
  "Referrer-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "X-Robots-Tag": "none, noarchive, nosnippet, notranslate, noimageindex",
};
/** Response headers removed: they only tell attackers what runs behind the proxy. */
export const HIDDEN_HEADERS = ["X-Powered-By"] as const;
/** Types worth compressing (nginx compresses text/html always; Traefik compresses all but its excluded types). */
const GZIP_TYPES = [
  "text/plain",
  "text/css",
  "text/xml",
  "text/javascript",
  "application/javascript",
  "application/json",
  "application/xml",
  "application/rss+xml",
  "image/svg+xml",
];

const rateLimitOf = (setting: RateLimitSetting | undefined) =>
  setting === true ? { ...DEFAULT_RATE_LIMIT } : setting ? { average: setting.average, burst: setting.burst } : undefined;

/** The LAN ranges: homelab:lan and homelab:middlewares.lanSources, without repeats. */
export function lanRanges(cfg: StackConfig): string[] {
  return [...new Set([...(cfg.lan ? [cfg.lan] : []), ...cfg.middlewares.lanSources])];
}

/**
 * Resolves every route's middlewares (stack defaults, then the service's own) onto `route.middlewares` and
 * returns what is wrong with the asking. A stack-wide `lanOnly` covers the routes that are not on the tunnel;
 * a service that asks for it on a tunnelled route is refused.
 */
export function planRouteMiddlewares(cfg: StackConfig, routes: readonly Route[], crowdsec: boolean): { routes: Route[]; problems: PlanProblem[] } {
  const problems: PlanProblem[] = [];
  const withChains: Route[] = [];
  const ranges = lanRanges(cfg);
  const stack = cfg.middlewares;
  cfg.middlewares.lanSources.forEach((source, i) => {
    const path = `homelab:middlewares.lanSources.${i}`; // written as keyPath writes list indexes
    const block = parseBlock(source);
    if (!isNetworkAddress(source))
      problems.push({
        path,
        message: `${source} is not a network address (host bits set); did you mean ${formatBlock({ ...block, start: block.start - (block.start % 2 ** (32 - block.prefix)) })}?`,
      });
    else if (overlaps(block, parseBlock(cfg.network.ingress)))
      problems.push({
        path,
        message: `${source} overlaps vnet-ingress (${cfg.network.ingress}), where cloudflared and every routed container live: they would pass as LAN clients`,
      });
  });
  let missingLan = false;
  for (const route of routes) {
    const own = cfg.services[route.service]?.middlewares ?? {};
    const path = `homelab:services.${route.service}.middlewares`;
    if (own.lanOnly && route.expose === "tunnel")
      problems.push({
        path: `${path}.lanOnly`,
        message: `'${route.service}' is on the tunnel (expose: tunnel): a LAN-only route cannot be reached from the Internet; set expose: lan`,
      });
    const lanOnly = own.lanOnly ?? (stack.lanOnly && route.expose !== "tunnel");
    if (lanOnly && !ranges.length) {
      if (own.lanOnly)
        problems.push({ path: `${path}.lanOnly`, message: "needs the LAN's address range: set homelab:lan (or homelab:middlewares.lanSources)" });
      else missingLan = true;
    }
    const rateLimit = rateLimitOf(own.rateLimit ?? stack.rateLimit);
    withChains.push({
      ...route,
      middlewares: {
        secureHeaders: own.secureHeaders ?? stack.secureHeaders,
        compression: own.compression ?? stack.compression,
        ...(rateLimit ? { rateLimit } : {}),
        ...(lanOnly && ranges.length ? { lanOnly: ranges } : {}),
        appsec: crowdsec && cfg.crowdsec.appsec,
      },
    });
  }
  if (missingLan)
    problems.push({ path: "homelab:middlewares.lanOnly", message: "needs the LAN's address range: set homelab:lan (or homelab:middlewares.lanSources)" });
  if (cfg.crowdsec.appsec && !crowdsec)
    problems.push({ path: "homelab:crowdsec.appsec", message: "AppSec is part of CrowdSec, which this stack does not run (homelab:crowdsec.enabled)" });
  else if (cfg.crowdsec.appsec && cfg.proxy === "swag")
    problems.push({
      path: "homelab:crowdsec.appsec",
      // linuxserver/docker-mods@swag-crowdsec README.md "Captcha & AppSec Limitations"; `http2 on;` in
      // linuxserver/docker-baseimage-alpine-nginx@3.22-1.28.0-r3_8.4.9-r0-ls4 root/defaults/nginx/nginx.conf.sample
      message: "SWAG's CrowdSec mod cannot run AppSec over HTTP/2, which SWAG's own nginx.conf turns on for every site: use homelab:proxy traefik for AppSec",
    });
  return { routes: withChains, problems };
}

/** What `homelab plan` shows for a route's chain. */
export function describeMiddlewares(m: RouteMiddlewares | undefined): string {
  if (!m) return "-";
  const parts = [
    ...(m.lanOnly ? ["lan-only"] : []),
    ...(m.appsec ? ["appsec"] : []),
    ...(m.rateLimit ? [`rate-limit ${m.rateLimit.average}/s burst ${m.rateLimit.burst}`] : []),
    ...(m.secureHeaders ? ["secure-headers"] : []),
    ...(m.compression ? ["compress"] : []),
  ];
  return parts.join(", ") || "-";
}

// ---- Traefik -------------------------------------------------------------------------------------------------

export const TRAEFIK_MIDDLEWARES_FILE = "/etc/traefik/dynamic/middlewares.yml";
const traefikNames = (names: Naming, route: Route) => ({
  lanOnly: names.container("lan-only"),
  secureHeaders: names.container("secure-headers"),
  compress: names.container("compress"),
  rateLimit: `${names.container(route.service)}-rate-limit`,
});

/** The route's file-provider middlewares around CrowdSec and Authelia: `before` CrowdSec, `after` it. */
export function traefikChain(route: Route, names: Naming): { before: string[]; after: string[] } {
  const m = route.middlewares;
  const n = traefikNames(names, route);
  return {
    // The headers middleware rewrites whatever answer comes back through it, a refusal further on included
    // (traefik v3.5.3 pkg/middlewares/headers/header.go ServeHTTP wraps the writer in NewResponseModifier).
    before: [...(m?.secureHeaders ? [`${n.secureHeaders}@file`] : []), ...(m?.lanOnly ? [`${n.lanOnly}@file`] : [])],
    after: [...(m?.rateLimit ? [`${n.rateLimit}@file`] : []), ...(m?.compression ? [`${n.compress}@file`] : [])],
  };
}

/**
 * The definitions the routes use, in one dynamic file (traefik v3.5.3 pkg/config/dynamic/middlewares.go: Headers,
 * Compress, IPAllowList, RateLimit). Rate limits are per route (their numbers may differ). Behind the tunnel every
 * visitor arrives from cloudflared, so a tunnelled route's limit keys on the visitor instead: the last
 * X-Forwarded-For address that is not cloudflared's (pkg/ip/strategy.go PoolStrategy), a header the entrypoint
 * has emptied for every other peer (forwardedHeaders.trustedIPs, proxy.ts). LAN clients of that route send none
 * and share one bucket ("" as the source, rate_limiter.go ServeHTTP).
 */
export function traefikMiddlewareFile(routes: Route[], names: Naming, tunnelPeer: string | undefined): PlannedFile | undefined {
  const middlewares: Record<string, unknown> = {};
  for (const route of routes) {
    const m = route.middlewares;
    if (!m) continue;
    const n = traefikNames(names, route);
    if (m.lanOnly) middlewares[n.lanOnly] = { ipAllowList: { sourceRange: m.lanOnly } };
    if (m.secureHeaders)
      middlewares[n.secureHeaders] = {
        // An empty value removes the header (pkg/middlewares/headers/header.go PostRequestModifyResponseHeaders).
        headers: { customResponseHeaders: { ...SECURE_HEADERS, ...Object.fromEntries(HIDDEN_HEADERS.map((h) => [h, ""])) } },
      };
    if (m.compression) middlewares[n.compress] = { compress: {} };
    if (m.rateLimit)
      middlewares[n.rateLimit] = {
        rateLimit: {
          ...m.rateLimit,
          ...(route.expose === "tunnel" && tunnelPeer ? { sourceCriterion: { ipStrategy: { excludedIPs: [tunnelPeer] } } } : {}),
        },
      };
  }
  if (!Object.keys(middlewares).length) return undefined;
  return { path: TRAEFIK_MIDDLEWARES_FILE, content: yamlFile({ http: { middlewares } }), secret: false };
}

// ---- SWAG (nginx) --------------------------------------------------------------------------------------------

export const SWAG_SECURE_HEADERS_CONF = "/config/nginx/homelab/secure-headers.conf";
export const SWAG_COMPRESSION_CONF = "/config/nginx/homelab/compression.conf";

/** The server-level includes the routes share. */
export function swagMiddlewareFiles(routes: Route[]): PlannedFile[] {
  const files: PlannedFile[] = [];
  if (routes.some((r) => r.middlewares?.secureHeaders)) {
    // add_header … always: on error answers too (the LAN check's 403, the rate limit's 429). Server level: a
    // location inherits these only while it has no add_header of its own (nginx.org ngx_http_headers_module).
    // SWAG's ssl.conf, included at the same level, has its header lines commented out, so nothing is sent twice
    // (linuxserver/docker-baseimage-alpine-nginx@3.22-1.28.0-r3_8.4.9-r0-ls4 root/defaults/nginx/ssl.conf.sample).
    const lines = [
      "# Generated by homelab: secure response headers (server-level include).",
      ...[...Object.keys(SECURE_HEADERS), ...HIDDEN_HEADERS].map((h) => `proxy_hide_header ${h};`),
      ...Object.entries(SECURE_HEADERS).map(([h, v]) => `add_header ${h} "${v}" always;`),
    ];
    files.push({ path: SWAG_SECURE_HEADERS_CONF, content: `${lines.join("\n")}\n`, secret: false });
  }
  if (routes.some((r) => r.middlewares?.compression)) {
    // gzip_proxied any: compress also when the request came through a proxy (cloudflared, say) (ngx_http_gzip_module).
    const lines = [
      "# Generated by homelab: compression (server-level include).",
      "gzip on;",
      "gzip_vary on;",
      "gzip_proxied any;",
      `gzip_types ${GZIP_TYPES.join(" ")};`,
    ];
    files.push({ path: SWAG_COMPRESSION_CONF, content: `${lines.join("\n")}\n`, secret: false });
  }
  return files;
}

/** nginx names for a route: a zone name and a variable name (variables take no '-'). */
const nginxId = (route: Route) => route.service.replace(/-/g, "_");

/**
 * A route's nginx lines: `http` goes before its `server` block (the proxy confs are included at http level, SWAG
 * 5.1.0 site-confs/default.conf), `server` inside it. The LAN check is a `return 403` in the server's rewrite
 * phase, which runs before the access phase where auth_request and CrowdSec's bouncer run
 * (nginx.org/en/docs/dev/development_guide.html#http_phases): a stranger gets 403, never a login page. The rate
 * limit (preaccess phase) keys on $binary_remote_addr: the real client, after the realip module (the visitor
 * behind the tunnel, so one visitor cannot use up everyone's allowance).
 */
export function swagMiddlewareLines(route: Route): { http: string[]; server: string[] } {
  const m = route.middlewares;
  if (!m) return { http: [], server: [] };
  const id = nginxId(route);
  const http: string[] = [];
  const server: string[] = [];
  if (m.lanOnly) {
    http.push(`geo $realip_remote_addr $lan_client_${id} {`, "    default 0;", ...m.lanOnly.map((r) => `    ${r} 1;`), "}");
    server.push(`if ($lan_client_${id} = 0) {`, "    return 403;", "}");
  }
  if (m.rateLimit) {
    http.push(`limit_req_zone $binary_remote_addr zone=rate_limit_${id}:10m rate=${m.rateLimit.average}r/s;`);
    // nodelay: the burst is served at once, then 429 (ngx_http_limit_req_module; its default status is 503).
    server.push(`limit_req zone=rate_limit_${id} burst=${m.rateLimit.burst} nodelay;`, "limit_req_status 429;");
  }
  if (m.secureHeaders) server.push(`include ${SWAG_SECURE_HEADERS_CONF};`);
  // Off explicitly: SWAG's nginx.conf ships `#gzip on` (same base image, nginx.conf.sample), an owner may uncomment it.
  server.push(m.compression ? `include ${SWAG_COMPRESSION_CONF};` : "gzip off;");
  return { http, server };
}
