import { parse } from "yaml";
import { AUTHELIA_CONFIG_FILE, AUTHELIA_RULES_FILE } from "../../topology/authelia";
import type { Plan } from "../../topology/types";
import { container, file } from "./plans";

/**
 * A model of the request path through the *generated* Traefik configuration and Authelia rules, for the
 * contract test (Traefik and Authelia cannot run here). Each step follows the upstream source it cites;
 * it reads only what the plan generated: traefik.yml, the dynamic files, the Docker labels, Authelia's
 * configuration folder and the tunnel ingress. It implements exactly the behaviour the proof relies on.
 */

export interface Request {
  /** The TCP peer's address as Traefik sees it (RemoteAddr). */
  peer: string;
  port: number;
  /** TLS on the connection, and the SNI the client asked for. */
  tls?: { sni: string; trusts: "stack-ca" | "system-roots" | "nothing-verified" };
  host: string;
  path: string;
  headers?: Record<string, string>;
  /** A valid Authelia session cookie for the domain, at this level. */
  session?: "one_factor" | "two_factor";
}

export interface Response {
  status: number;
  location?: string;
  /** Headers the app received (Remote-User…). */
  upstreamHeaders?: Record<string, string>;
  /** The client address the CrowdSec bouncer decided on. */
  bouncerClientIp?: string;
  /** ClientHost in Traefik's access log, which CrowdSec reads. */
  accessLogClientHost?: string;
  /** Why the request failed before HTTP, if it did. */
  error?: string;
}

const X_FORWARDED = [
  "X-Forwarded-Proto",
  "X-Forwarded-For",
  "X-Forwarded-Host",
  "X-Forwarded-Port",
  "X-Forwarded-Server",
  "X-Forwarded-Uri",
  "X-Forwarded-Method",
  "X-Forwarded-Prefix",
  "X-Real-Ip",
];

export function traefikConfig(plan: Plan) {
  const traefik = container(plan, `${plan.prefix}traefik`);
  const staticConfig = parse(file(traefik, "/etc/traefik/traefik.yml"));
  const dynamic = (traefik.files ?? []).filter((f) => f.path.startsWith("/etc/traefik/dynamic/")).map((f) => parse(f.content));
  const labels = Object.assign({}, ...plan.containers.map((c) => c.labels)) as Record<string, string>;
  const a = container(plan, `${plan.prefix}authelia`);
  const authelia = parse(file(a, AUTHELIA_CONFIG_FILE));
  // Authelia merges its folder in name order; rules.yml's list replaces configuration.yml's (sources.go loadDir).
  authelia.access_control.rules = parse(file(a, AUTHELIA_RULES_FILE)).access_control.rules;
  return { traefik, staticConfig, dynamic, labels, authelia };
}

/** Does the certificate the entrypoint serves cover `sni` (Go's crypto/x509 wildcard rule: one label)? */
function certificateCovers(plan: Plan, sni: string): boolean {
  const names = plan.tls.mode === "internal" ? plan.tls.dnsNames : [plan.tls.domain, `*.${plan.tls.domain}`];
  return names.some((n) => n === sni || (n.startsWith("*.") && sni.split(".").slice(1).join(".") === n.slice(2)));
}

/** Authelia 4.39 authz (internal/handlers/handler_authz.go, authorization/authorizer.go): first matching rule wins. */
function autheliaDecide(cfg: ReturnType<typeof traefikConfig>["authelia"], headers: Record<string, string>, session?: Request["session"]): Response {
  const proto = headers["X-Forwarded-Proto"];
  const url = `${proto}://${headers["X-Forwarded-Host"]}${headers["X-Forwarded-Uri"]}`;
  // handler_authz.go: "only the 'https' and 'wss' schemes are supported" → 400.
  if (proto !== "https") return { status: 400 };
  const host = headers["X-Forwarded-Host"];
  const path = headers["X-Forwarded-Uri"];
  const rule = (cfg.access_control.rules as { domain: string[]; policy: string; resources?: string[] }[]).find(
    (r) =>
      r.domain.some((d) => d === host || (d.startsWith("*.") && host.endsWith(d.slice(1)))) &&
      (!r.resources || r.resources.some((re) => new RegExp(re).test(path))),
  );
  const policy = rule?.policy ?? cfg.access_control.default_policy;
  if (policy === "bypass") return { status: 200 };
  if (policy === "deny") return { status: 403 };
  const cookie = cfg.session.cookies.find((c: { domain: string }) => host === c.domain || host.endsWith(`.${c.domain}`));
  const level = session === "two_factor" ? 2 : session === "one_factor" ? 1 : 0;
  if (cookie && level >= (policy === "two_factor" ? 2 : 1))
    return { status: 200, upstreamHeaders: { "Remote-User": "tester", "Remote-Groups": "admins", "Remote-Email": "t@example.com", "Remote-Name": "Tester" } };
  // handler_authz_impl_forwardauth.go: GET without a session → 302 to the portal with rd=<target URL>.
  return { status: 302, location: `${cookie.authelia_url}/?rd=${encodeURIComponent(url)}` };
}

/** One request through Traefik v3.5.3 as configured by the plan. */
export function traefikServe(plan: Plan, req: Request): Response {
  const cfg = traefikConfig(plan);
  const entries = Object.entries<any>(cfg.staticConfig.entryPoints);
  // pkg/config/static/entrypoints.go: an entrypoint listens on its address.
  const found = entries.find(([, ep]) => ep.address === `:${req.port}`);
  if (!found) return { status: 0, error: `nothing listens on ${req.port}` };
  const [epName, ep] = found;
  const redirect = ep.http?.redirections?.entryPoint;
  // pkg/provider/traefik/internal.go: the redirection router catches every request on that entrypoint.
  if (redirect) {
    const target = cfg.staticConfig.entryPoints[redirect.to];
    const port = target.address.slice(1);
    return { status: 308, location: `${redirect.scheme}://${req.host}${port === "443" ? "" : `:${port}`}${req.path}` };
  }
  // entrypoint http.tls → every router there is a TLS router (server/aggregator.go applyModel).
  const tls = ep.http?.tls !== undefined;
  if (tls !== !!req.tls) return { status: 0, error: `TLS mismatch on ${epName}` };
  if (req.tls) {
    if (!certificateCovers(plan, req.tls.sni)) return { status: 0, error: `certificate does not cover ${req.tls.sni}` };
    const trusted =
      req.tls.trusts === "nothing-verified" ||
      (plan.tls.mode === "internal" ? req.tls.trusts === "stack-ca" : req.tls.trusts === "system-roots" && !plan.tls.staging);
    if (!trusted) return { status: 0, error: "certificate not trusted by the client" };
  }
  // middlewares/forwardedheaders/forwarded_header.go ServeHTTP: X-Forwarded-* of untrusted peers deleted, then rewrite().
  const headers: Record<string, string> = { ...(req.headers ?? {}) };
  const trustedPeer = (ep.forwardedHeaders?.trustedIPs ?? []).includes(req.peer) || ep.forwardedHeaders?.insecure === true;
  if (!trustedPeer) for (const h of X_FORWARDED) delete headers[h];
  headers["X-Forwarded-Proto"] ??= req.tls ? "https" : "http";
  headers["X-Forwarded-Host"] ??= req.host;
  // The router: Docker labels with this entrypoint and a Host rule (provider/docker, rules.go Host).
  const routers = Object.keys(cfg.labels)
    .filter((k) => /^traefik\.http\.routers\.[^.]+\.rule$/.test(k))
    .map((k) => k.split(".")[3]);
  const router = routers.find(
    (r) =>
      cfg.labels[`traefik.http.routers.${r}.rule`] === `Host(\`${req.host}\`)` &&
      cfg.labels[`traefik.http.routers.${r}.entrypoints`].split(",").includes(epName),
  );
  // middlewares/accesslog/logger.go: ClientHost is X-Forwarded-For when present (as sanitised above), else RemoteAddr.
  const accessLogClientHost = headers["X-Forwarded-For"] || req.peer;
  if (!router) return { status: 404, accessLogClientHost };
  const response: Response = { status: 200, upstreamHeaders: {}, accessLogClientHost };
  for (const mw of (cfg.labels[`traefik.http.routers.${router}.middlewares`] ?? "").split(",").filter(Boolean)) {
    const [name, provider] = mw.split("@");
    if (provider === "file") {
      const bouncer = cfg.dynamic.map((d) => d.http?.middlewares?.[name]?.plugin?.bouncer).find(Boolean);
      // crowdsec-bouncer-traefik-plugin v1.4.5 pkg/ip/ip.go GetRemoteIP: last address of the header outside the trusted list, else RemoteAddr.
      const header = headers[bouncer.forwardedHeadersCustomName ?? "X-Forwarded-For"] ?? "";
      const trustedIps: string[] = bouncer.forwardedHeadersTrustedIps ?? [];
      const fromHeader = header
        .split(",")
        .map((s: string) => s.trim())
        .filter(Boolean)
        .reverse()
        .find((ip: string) => !trustedIps.includes(ip));
      response.bouncerClientIp = trustedIps.length ? (fromHeader ?? req.peer) : req.peer;
    } else {
      const prefix = `traefik.http.middlewares.${name}.forwardauth.`;
      const address = cfg.labels[`${prefix}address`];
      const trustForward = cfg.labels[`${prefix}trustForwardHeader`] === "true";
      // middlewares/auth/forward.go writeHeader: X-Forwarded-* passed on only with trustForwardHeader, else computed.
      const authHeaders: Record<string, string> = {
        "X-Forwarded-Proto": trustForward && headers["X-Forwarded-Proto"] ? headers["X-Forwarded-Proto"] : req.tls ? "https" : "http",
        "X-Forwarded-Host": trustForward && headers["X-Forwarded-Host"] ? headers["X-Forwarded-Host"] : req.host,
        "X-Forwarded-Uri": req.path,
        "X-Forwarded-Method": "GET",
      };
      const autheliaPort = Number(new URL(cfg.authelia.server.address.replace("tcp://:", "tcp://0.0.0.0:")).port);
      const target = new URL(address);
      if (target.hostname !== `${plan.prefix}authelia` || Number(target.port) !== autheliaPort || target.pathname !== "/api/authz/forward-auth")
        return { status: 502, error: `forward-auth address ${address}` };
      const auth = autheliaDecide(cfg.authelia, authHeaders, req.session);
      // forward.go: a non-2xx answer is returned to the client as is (status and Location).
      if (auth.status < 200 || auth.status > 299) return { ...auth, bouncerClientIp: response.bouncerClientIp, accessLogClientHost };
      for (const h of cfg.labels[`${prefix}authResponseHeaders`].split(","))
        if (auth.upstreamHeaders?.[h]) response.upstreamHeaders![h] = auth.upstreamHeaders[h];
    }
  }
  return response;
}

/** What cloudflared does with an Internet request for `host` (cloudflared 2025.10.0 ingress/origin_service.go). */
export function throughTunnel(
  plan: Plan,
  host: string,
  path: string,
  client: string,
  extra: Omit<Request, "peer" | "port" | "host" | "path" | "tls" | "headers"> = {},
): Response {
  const rule = plan.tunnel!.ingress.find((r) => r.hostname === host);
  if (!rule) return { status: 404, error: "no ingress rule" };
  const origin = new URL(rule.service);
  const cloudflared = container(plan, `${plan.prefix}cloudflared`);
  const peer = cloudflared.addresses?.[`${plan.prefix}vnet-ingress`];
  if (!peer) return { status: 0, error: "cloudflared has no fixed address" };
  const o = rule.originRequest ?? {};
  const trusts = o.noTlsVerify ? "nothing-verified" : o.caPool && (cloudflared.files ?? []).some((f) => f.path === o.caPool) ? "stack-ca" : "system-roots";
  return traefikServe(plan, {
    peer,
    port: Number(origin.port || (origin.protocol === "https:" ? 443 : 80)),
    tls: origin.protocol === "https:" ? { sni: o.originServerName ?? origin.hostname, trusts } : undefined,
    host: o.httpHostHeader ?? host,
    path,
    // The edge's headers (developers.cloudflare.com/fundamentals/reference/http-headers/), passed on by cloudflared.
    headers: { "CF-Connecting-IP": client, "X-Forwarded-For": client, "X-Forwarded-Proto": "https" },
    ...extra,
  });
}
