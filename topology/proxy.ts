import { yamlFile } from "../config/yaml";
import { secretRef } from "../config/secret";
import type { StackConfig } from "../config/schema";
import { AUTHELIA, AUTHELIA_PORT, needsForwardAuth } from "./authelia";
import type { Naming } from "./containers";
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
}

const tls = (cfg: StackConfig) => !!cfg.acme;

/** Router/middleware names are per stack, so two stacks on one engine never define the same name. */
const routerName = (names: Naming, service: string) => names.container(service);

/** The middlewares a route passes through, in order: CrowdSec first (drop banned IPs early), then SSO. */
export function traefikMiddlewares(route: Route, ctx: ProxyContext): string[] {
  return [
    ...(ctx.crowdsec ? [`${ctx.names.container("crowdsec")}@file`] : []),
    ...(ctx.authelia && needsForwardAuth(route) ? [`${ctx.names.container(AUTHELIA)}@docker`] : []),
  ];
}

/** Docker labels for a routed service's main container: Traefik builds its router and service from these. */
export function traefikRouteLabels(route: Route, port: number | undefined, ctx: ProxyContext): Record<string, string> {
  const { names, cfg } = ctx;
  const router = routerName(names, route.service);
  const middlewares = traefikMiddlewares(route, ctx);
  const internal = route.upstream === TRAEFIK_API;
  return {
    "traefik.enable": "true",
    // Not a `traefik.*` label: Traefik decodes those as configuration and rejects unknown keys.
    [PROXY_LABEL]: names.container("traefik"),
    "traefik.docker.network": names.ingress,
    [`traefik.http.routers.${router}.rule`]: `Host(\`${route.host}\`)`,
    [`traefik.http.routers.${router}.entrypoints`]: tls(cfg) ? "websecure" : "web",
    ...(tls(cfg) ? { [`traefik.http.routers.${router}.tls.certresolver`]: "acme" } : {}),
    [`traefik.http.routers.${router}.service`]: internal ? TRAEFIK_API : router,
    ...(middlewares.length ? { [`traefik.http.routers.${router}.middlewares`]: middlewares.join(",") } : {}),
    ...(internal ? {} : { [`traefik.http.services.${router}.loadbalancer.server.port`]: String(port) }),
  };
}

/** Labels on Authelia's container defining the forward-auth middleware every protected route uses. */
export function autheliaMiddlewareLabels(ctx: ProxyContext): Record<string, string> {
  const name = ctx.names.container(AUTHELIA);
  return {
    [`traefik.http.middlewares.${name}.forwardauth.address`]: `http://${name}:${AUTHELIA_PORT}/api/authz/forward-auth`,
    [`traefik.http.middlewares.${name}.forwardauth.trustForwardHeader`]: "true",
    [`traefik.http.middlewares.${name}.forwardauth.authResponseHeaders`]: "Remote-User,Remote-Groups,Remote-Email,Remote-Name",
  };
}

/** Traefik's static configuration (traefik.yml) and the dynamic file holding the CrowdSec bouncer middleware. */
export function traefikFiles(ctx: ProxyContext, dockerEndpoint: string): PlannedFile[] {
  const { cfg, names } = ctx;
  const staticConfig = {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    ping: {},
    api: { dashboard: true },
    log: { level: "INFO" },
    accessLog: { filePath: `${ACCESS_LOG_DIR}/access.log`, bufferingSize: 100 },
    entryPoints: {
      web: tls(cfg) ? { address: ":80", http: { redirections: { entryPoint: { to: "websecure", scheme: "https" } } } } : { address: ":80" },
      ...(tls(cfg) ? { websecure: { address: ":443" } } : {}),
    },
    providers: {
      // Only through the socket proxy, never the raw socket; only this stack's containers, only when asked.
      docker: { endpoint: dockerEndpoint, exposedByDefault: false, network: names.ingress, constraints: `Label(\`${PROXY_LABEL}\`,\`${names.container("traefik")}\`)` },
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
                dnsChallenge: { provider: "cloudflare", resolvers: ["1.1.1.1:53", "1.0.0.1:53"] },
              },
            },
          },
        }
      : {}),
    ...(ctx.crowdsec ? { experimental: { plugins: { bouncer: { ...CROWDSEC_TRAEFIK_PLUGIN } } } } : {}),
  };
  const files: PlannedFile[] = [{ path: "/etc/traefik/traefik.yml", content: yamlFile(staticConfig), secret: false }];
  if (ctx.crowdsec) {
    const dynamic = {
      http: {
        middlewares: {
          [names.container("crowdsec")]: {
            plugin: { bouncer: { enabled: true, crowdsecMode: "stream", crowdsecLapiScheme: "http", crowdsecLapiHost: ctx.crowdsec, crowdsecLapiKeyFile: CROWDSEC_KEY_FILE } },
          },
        },
      },
    };
    files.push({ path: "/etc/traefik/dynamic/crowdsec.yml", content: yamlFile(dynamic), secret: false });
    files.push({ path: CROWDSEC_KEY_FILE, content: secretRef("crowdsec-bouncer-key"), secret: true });
  }
  return files;
}

// ---- SWAG (nginx) ----

export const SWAG_NGINX = "/config/nginx";
const AUTHELIA_SERVER_CONF = `${SWAG_NGINX}/homelab/authelia-server.conf`;
const AUTHELIA_LOCATION_CONF = `${SWAG_NGINX}/homelab/authelia-location.conf`;

/** The Authelia auth_request wiring for SWAG, with this stack's container name (SWAG's samples assume `authelia`). */
export function swagAutheliaFiles(names: Naming): PlannedFile[] {
  const upstream = names.container(AUTHELIA);
  const server = `# Generated by homelab: Authelia auth_request endpoint (server-level include).
location = /authelia/api/authz/auth-request {
    internal;
    include ${SWAG_NGINX}/proxy.conf;
    include ${SWAG_NGINX}/resolver.conf;
    set $upstream_authelia ${upstream};
    proxy_pass http://$upstream_authelia:${AUTHELIA_PORT}/api/authz/auth-request;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
}

location @authelia_proxy_signin {
    internal;
    auth_request_set $signin_url $upstream_http_location;
    return 302 $signin_url;
}
`;
  const location = `# Generated by homelab: send every request through Authelia first (location-level include).
auth_request /authelia/api/authz/auth-request;
error_page 401 = @authelia_proxy_signin;
auth_request_set $user $upstream_http_remote_user;
auth_request_set $groups $upstream_http_remote_groups;
auth_request_set $name $upstream_http_remote_name;
auth_request_set $email $upstream_http_remote_email;
proxy_set_header Remote-User $user;
proxy_set_header Remote-Groups $groups;
proxy_set_header Remote-Name $name;
proxy_set_header Remote-Email $email;
`;
  return [
    { path: AUTHELIA_SERVER_CONF, content: server, secret: false },
    { path: AUTHELIA_LOCATION_CONF, content: location, secret: false },
  ];
}

/** One `<service>.subdomain.conf` per route; the Authelia includes are present exactly when the route needs SSO. */
export function swagProxyConf(route: Route, ctx: ProxyContext): PlannedFile {
  const [app, port] = route.upstream.split(":");
  const sso = ctx.authelia && needsForwardAuth(route);
  const listen = tls(ctx.cfg) ? ["listen 443 ssl;", "listen [::]:443 ssl;"] : ["listen 80;", "listen [::]:80;"];
  const lines = [
    `# Generated by homelab: ${route.service} (auth: ${route.auth}, expose: ${route.expose}). Edits are overwritten.`,
    "server {",
    ...listen.map((l) => `    ${l}`),
    "",
    `    server_name ${route.host};`,
    ...(tls(ctx.cfg) ? [`    include ${SWAG_NGINX}/ssl.conf;`] : []),
    "    client_max_body_size 0;",
    ...(sso ? [`    include ${AUTHELIA_SERVER_CONF};`] : []),
    "",
    "    location / {",
    ...(sso ? [`        include ${AUTHELIA_LOCATION_CONF};`] : []),
    ...(route.auth === "deny" ? ["        return 403;"] : []),
    `        include ${SWAG_NGINX}/proxy.conf;`,
    `        include ${SWAG_NGINX}/resolver.conf;`,
    `        set $upstream_app ${app};`,
    `        set $upstream_port ${port};`,
    "        set $upstream_proto http;",
    "        proxy_pass $upstream_proto://$upstream_app:$upstream_port;",
    "    }",
    "}",
    "",
  ];
  // SWAG_AUTORELOAD (see host.ts) tests and reloads nginx when a conf appears, changes or goes away.
  return { path: `${SWAG_NGINX}/proxy-confs/${route.service}.subdomain.conf`, content: lines.join("\n"), secret: false, reload: "watched" };
}

/** Where SWAG reads SUBDOMAINS from (LinuxServer's `FILE__` convention), when it validates over HTTP. */
export const SWAG_SUBDOMAINS_FILE = "/config/homelab/subdomains";

/**
 * SWAG's certificate settings. With ACME over Cloudflare DNS: one wildcard certificate, nothing per route.
 * Over HTTP, every routed subdomain must be on the certificate; the list lives in a file read at start-up
 * (not in the environment, which would recreate SWAG for every new route), so a new route restarts SWAG.
 */
export function swagCertificate(routes: Route[], ctx: ProxyContext, acmeTokenSecret: string): { env: Record<string, string>; files: PlannedFile[] } {
  const { cfg } = ctx;
  if (cfg.acme) {
    return {
      env: { VALIDATION: "dns", DNSPLUGIN: "cloudflare", SUBDOMAINS: "wildcard", EMAIL: cfg.acme.email, STAGING: String(cfg.acme.staging) },
      files: [{ path: "/config/dns-conf/cloudflare.ini", content: `dns_cloudflare_api_token = ${secretRef(acmeTokenSecret)}\n`, secret: true }],
    };
  }
  const subdomains = routes.map((r) => r.host.slice(0, -cfg.domain.length - 1));
  return {
    env: { VALIDATION: "http", ONLY_SUBDOMAINS: "true", FILE__SUBDOMAINS: SWAG_SUBDOMAINS_FILE },
    files: [{ path: SWAG_SUBDOMAINS_FILE, content: subdomains.join(","), secret: false, reload: "restart" }],
  };
}
