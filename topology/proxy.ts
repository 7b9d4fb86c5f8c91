import { yamlFile } from "../config/yaml";
import { secretRef } from "../config/secret";
import type { StackConfig } from "../config/schema";
import { AUTHELIA, AUTHELIA_PORT, CROWDSEC } from "../config/catalog";
import { needsForwardAuth } from "./authelia";
import type { Naming } from "./naming";
import { appsecBouncerSettings } from "./appsec";
import { traefikChain } from "./middlewares";
import { TLS_PLACEHOLDERS, type TlsPlan } from "./tls";
import type { PlannedFile, Route } from "./types";

/** Traefik's dashboard/API, routed like any service but served by Traefik itself. */
export const TRAEFIK_API = "api@internal";
export const ACCESS_LOG_DIR = "/var/log/proxy";
/** The CrowdSec bouncer plugin for Traefik, pinned. */
export const CROWDSEC_TRAEFIK_PLUGIN = { moduleName: "github.com/maxlerebourg/crowdsec-bouncer-traefik-plugin", version: "v1.4.5" } as const;
export const CROWDSEC_KEY_FILE = "/etc/traefik/crowdsec-bouncer.key";
/** Marks the containers this stack's Traefik may route to (its Docker provider's constraint). */
export const PROXY_LABEL = "homelab.proxy";

export interface ProxyContext {
  cfg: StackConfig;
  names: Naming;
  /** CrowdSec LAPI `host:port`, when CrowdSec runs. */
  crowdsec?: string;
  /** Authelia runs (some route needs forward-auth). */
  authelia: boolean;
  tls: TlsPlan;
  /** cloudflared's fixed vnet-ingress address, when the tunnel runs: the only peer whose forwarded headers count. */
  tunnelPeer?: string;
}

/** Traefik's entrypoints: `web` (:80) only redirects, `websecure` (:443) serves every route, LAN and tunnel alike. */
export const TRAEFIK_ENTRYPOINTS = { web: { name: "web", port: 80 }, websecure: { name: "websecure", port: 443 } } as const;
/** The internal certificate and key inside Traefik's container, named by the file provider's TLS config. */
export const TRAEFIK_CERT_FILE = "/etc/traefik/certs/homelab.crt";
export const TRAEFIK_KEY_FILE = "/etc/traefik/certs/homelab.key";
/** Authelia 4.39's endpoint for Traefik (docs: integration/proxies/traefik, internal/handlers/handler_authz.go). */
export const AUTHELIA_FORWARD_AUTH_PATH = "/api/authz/forward-auth";
/** The user headers Authelia 4.39 sets on success (internal/handlers/const.go headerRemoteUser…). */
export const AUTHELIA_RESPONSE_HEADERS = ["Remote-User", "Remote-Groups", "Remote-Email", "Remote-Name"] as const;

/** Router/middleware names are per stack, so two stacks on one engine never define the same name. */
const routerName = (names: Naming, service: string) => names.container(service);

/** The middlewares a route passes through, in order: headers and the LAN check, CrowdSec (drop banned IPs early), rate limit and compression (middlewares.ts), then SSO. */
export function traefikMiddlewares(route: Route, ctx: ProxyContext): string[] {
  const chain = traefikChain(route, ctx.names);
  return [
    ...chain.before,
    ...(ctx.crowdsec ? [`${ctx.names.container(CROWDSEC)}@file`] : []),
    ...chain.after,
    ...(ctx.authelia && needsForwardAuth(route) ? [`${ctx.names.container(AUTHELIA)}@docker`] : []),
  ];
}

/**
 * Docker labels for a routed service's main container: Traefik builds its router and service from these.
 * Only `websecure`: its entrypoint-level `http.tls` gives every router TLS (Traefik v3.5.3
 * pkg/server/aggregator.go applyModel copies the entrypoint model's TLS into routers without their own), so
 * the labels are the same with ACME or the internal CA.
 */
export function traefikRouteLabels(route: Route, port: number | undefined, ctx: ProxyContext): Record<string, string> {
  const { names } = ctx;
  const router = routerName(names, route.service);
  const middlewares = traefikMiddlewares(route, ctx);
  const internal = route.upstream === TRAEFIK_API;
  return {
    "traefik.enable": "true",
    // Not a `traefik.*` label: Traefik decodes those as configuration and rejects unknown keys.
    [PROXY_LABEL]: names.container("traefik"),
    "traefik.docker.network": names.ingress,
    [`traefik.http.routers.${router}.rule`]: `Host(\`${route.host}\`)`,
    [`traefik.http.routers.${router}.entrypoints`]: TRAEFIK_ENTRYPOINTS.websecure.name,
    [`traefik.http.routers.${router}.service`]: internal ? TRAEFIK_API : router,
    ...(middlewares.length ? { [`traefik.http.routers.${router}.middlewares`]: middlewares.join(",") } : {}),
    ...(internal ? {} : { [`traefik.http.services.${router}.loadbalancer.server.port`]: String(port) }),
  };
}

/**
 * Labels on Authelia's container defining the forward-auth middleware every protected route uses.
 * trustForwardHeader is safe: by the time the middleware runs, the entrypoint has already removed
 * X-Forwarded-* from every peer but cloudflared (Traefik v3.5.3 pkg/middlewares/forwardedheaders
 * forwarded_header.go ServeHTTP) and set X-Forwarded-Proto from the TLS connection, which forwardauth then
 * passes on (pkg/middlewares/auth/forward.go writeHeader); Authelia reads the target URL from
 * X-Forwarded-Proto/Host/Uri (authelia v4.39.13 internal/handlers/handler_authz_impl_forwardauth.go).
 */
export function autheliaMiddlewareLabels(ctx: ProxyContext): Record<string, string> {
  const name = ctx.names.container(AUTHELIA);
  return {
    [`traefik.http.middlewares.${name}.forwardauth.address`]: `http://${name}:${AUTHELIA_PORT}${AUTHELIA_FORWARD_AUTH_PATH}`,
    [`traefik.http.middlewares.${name}.forwardauth.trustForwardHeader`]: "true",
    [`traefik.http.middlewares.${name}.forwardauth.authResponseHeaders`]: AUTHELIA_RESPONSE_HEADERS.join(","),
  };
}

/**
 * `websecure`'s entrypoint-level TLS (Traefik v3.5.3 pkg/config/static/entrypoints.go TLSConfig): the ACME
 * resolver with one wildcard certificate, or `{}` — TLS with the default certificate of the file provider's
 * `default` store (pkg/tls/tlsmanager.go), which is the stack's internal certificate (tls.yml below).
 */
function entrypointTls(tls: TlsPlan) {
  return tls.mode === "acme" ? { certResolver: "acme", domains: [{ main: tls.domain, sans: [`*.${tls.domain}`] }] } : {};
}

/** Traefik's static configuration (traefik.yml) and its dynamic files: the internal certificate and the CrowdSec bouncer middleware. */
export function traefikFiles(ctx: ProxyContext, dockerEndpoint: string): PlannedFile[] {
  const { cfg, names } = ctx;
  const { web, websecure } = TRAEFIK_ENTRYPOINTS;
  // Only cloudflared's forwarded headers are kept; everyone else's are deleted (forwarded_header.go ServeHTTP).
  // The access log CrowdSec reads then names the visitor: ClientHost is X-Forwarded-For when present
  // (Traefik v3.5.3 pkg/middlewares/accesslog/logger.go), so a ban hits the attacker, never cloudflared.
  const trusted = ctx.tunnelPeer ? { forwardedHeaders: { trustedIPs: [ctx.tunnelPeer] } } : {};
  const staticConfig = {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    ping: {},
    api: { dashboard: true },
    log: { level: "INFO" },
    accessLog: { filePath: `${ACCESS_LOG_DIR}/access.log`, bufferingSize: 100 },
    entryPoints: {
      // Plain HTTP only redirects (pkg/provider/traefik/internal.go redirection router on this entrypoint alone).
      [web.name]: { address: `:${web.port}`, http: { redirections: { entryPoint: { to: websecure.name, scheme: "https" } } } },
      [websecure.name]: { address: `:${websecure.port}`, http: { tls: entrypointTls(ctx.tls) }, ...trusted },
    },
    providers: {
      // Only through the socket proxy, never the raw socket; only this stack's containers, only when asked.
      docker: {
        endpoint: dockerEndpoint,
        exposedByDefault: false,
        network: names.ingress,
        constraints: `Label(\`${PROXY_LABEL}\`,\`${names.container("traefik")}\`)`,
      },
      file: { directory: "/etc/traefik/dynamic", watch: true },
    },
    ...(cfg.acme
      ? {
          certificatesResolvers: {
            acme: {
              acme: {
                email: cfg.acme.email,
                storage: "/etc/traefik/acme.json",
                ...(cfg.acme.staging ? { caServer: "https://acme-staging-v02.api.letsencrypt.org/directory" } : {}),
                dnsChallenge: {
                  provider: cfg.acme.provider,
                  resolvers: ["1.1.1.1:53", "1.0.0.1:53"],
                  // traefik/traefik@v3.5.3:pkg/provider/acme/provider.go:110 (Propagation.DelayBeforeChecks)
                  ...(cfg.acme.propagationSeconds ? { propagation: { delayBeforeChecks: `${cfg.acme.propagationSeconds}s` } } : {}),
                },
              },
            },
          },
        }
      : {}),
    ...(ctx.crowdsec ? { experimental: { plugins: { bouncer: { ...CROWDSEC_TRAEFIK_PLUGIN } } } } : {}),
  };
  const files: PlannedFile[] = [{ path: "/etc/traefik/traefik.yml", content: yamlFile(staticConfig), secret: false }];
  if (ctx.tls.mode === "internal") {
    const certificate = { certFile: TRAEFIK_CERT_FILE, keyFile: TRAEFIK_KEY_FILE };
    // Traefik v3.5.3 pkg/config/dynamic/tls (file provider `tls.certificates`, `tls.stores.default.defaultCertificate`).
    const dynamic = { tls: { certificates: [certificate], stores: { default: { defaultCertificate: certificate } } } };
    files.push(
      { path: "/etc/traefik/dynamic/tls.yml", content: yamlFile(dynamic), secret: false },
      { path: TRAEFIK_CERT_FILE, content: TLS_PLACEHOLDERS.cert, secret: false },
      { path: TRAEFIK_KEY_FILE, content: TLS_PLACEHOLDERS.key, secret: true },
    );
  }
  if (ctx.crowdsec) {
    const dynamic = {
      http: {
        middlewares: {
          [names.container(CROWDSEC)]: {
            plugin: {
              bouncer: {
                enabled: true,
                crowdsecMode: "stream",
                crowdsecLapiScheme: "http",
                crowdsecLapiHost: ctx.crowdsec,
                crowdsecLapiKeyFile: CROWDSEC_KEY_FILE,
                ...bouncerClientIp(ctx),
                ...appsecBouncerSettings(ctx.cfg, ctx.names),
              },
            },
          },
        },
      },
    };
    files.push({ path: "/etc/traefik/dynamic/crowdsec.yml", content: yamlFile(dynamic), secret: false });
    files.push({ path: CROWDSEC_KEY_FILE, content: secretRef("crowdsec-bouncer-key"), secret: true });
  }
  return files;
}

/**
 * How the bouncer finds the client's address. The plugin reads `forwardedHeadersCustomName` from *every* peer
 * and takes its last address outside `forwardedHeadersTrustedIps` (crowdsec-bouncer-traefik-plugin v1.4.5
 * pkg/ip/ip.go getIP), so the header must be one Traefik has already emptied for untrusted peers: the default
 * X-Forwarded-For (forwarded_header.go xHeaders), not CF-Connecting-IP, which anyone on vnet-ingress could
 * send. Cloudflare's edge puts the visitor's address in X-Forwarded-For
 * (developers.cloudflare.com/fundamentals/reference/http-headers/); cloudflared passes it on.
 */
function bouncerClientIp(ctx: ProxyContext) {
  return ctx.tunnelPeer ? { forwardedHeadersTrustedIps: [ctx.tunnelPeer] } : {};
}
