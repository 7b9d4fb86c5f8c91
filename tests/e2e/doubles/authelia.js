// An Authelia 4.39 double for the end-to-end test: the authz contract of authelia/authelia at tag v4.39.13,
// nothing more. Reads the GENERATED configuration the way Authelia does (X_AUTHELIA_CONFIG: files and folders;
// access_control, session.cookies) and /config/users_database.yml, so the generated rules are what decides. Sessions come from /e2e/sessions.json
// ({ "<cookie value>": { "username": "...", "level": 1 | 2 } }), standing in for a finished login.
// Every authz decision is logged as one JSON line on stdout (what the test reads back).
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const yaml = require("/opt/js-yaml");

const path = require("node:path");

// koanf's merge, as Authelia loads one source after another: maps merge key by key, anything else (lists
// included) is replaced by the later source.
function merge(into, from) {
  for (const [k, v] of Object.entries(from ?? {})) {
    const both = v && typeof v === "object" && !Array.isArray(v) && into[k] && typeof into[k] === "object" && !Array.isArray(into[k]);
    into[k] = both ? merge({ ...into[k] }, v) : v;
  }
  return into;
}
// internal/commands/const.go:776 X_AUTHELIA_CONFIG (comma-separated, default /config/configuration.yml);
// internal/configuration/sources.go:93 loadDir: a folder's *.yml / *.yaml files in name order (os.ReadDir sorts).
function loadConfiguration() {
  const files = (process.env.X_AUTHELIA_CONFIG ?? "/config/configuration.yml").split(",").flatMap((p) =>
    fs.statSync(p).isDirectory()
      ? fs
          .readdirSync(p)
          .sort()
          .filter((n) => /\.ya?ml$/.test(n))
          .map((n) => path.join(p, n))
      : [p],
  );
  return files.reduce((config, file) => merge(config, yaml.load(fs.readFileSync(file, "utf8"))), {});
}

const config = loadConfiguration();
const users = yaml.load(fs.readFileSync("/config/users_database.yml", "utf8")).users ?? {};
const sessions = JSON.parse(fs.readFileSync("/e2e/sessions.json", "utf8"));
const port = Number(/:(\d+)/.exec(config.server?.address ?? "")?.[1] ?? 9091);

// internal/authorization/const.go: the policy names, ordered bypass < one_factor < two_factor; deny is separate.
const LEVEL = { bypass: 0, one_factor: 1, two_factor: 2, deny: 3 };
// internal/authentication/types.go:259: NotAuthenticated = 0, then OneFactor = 1, TwoFactor = 2.
const NOT_AUTHENTICATED = 0;

const rules = (config.access_control?.rules ?? []).map((rule) => ({
  domains: [].concat(rule.domain ?? []),
  // internal/authorization/access_control_resource.go: each resource is a regexp matched against the object's path.
  resources: [].concat(rule.resources ?? []).map((r) => new RegExp(r)),
  // internal/authorization/access_control_subjects.go: `user:<name>` / `group:<name>`; inner lists are AND, outer OR.
  subjects: [].concat(rule.subject ?? []).map((s) => [].concat(s)),
  methods: [].concat(rule.methods ?? []),
  policy: rule.policy,
}));
const defaultPolicy = config.access_control?.default_policy ?? "deny";
const cookies = config.session?.cookies ?? [];
// internal/configuration/schema/session.go:80: the session cookie is named authelia_session unless configured.
const cookieName = (c) => c.name ?? config.session?.name ?? "authelia_session";

// internal/authorization/access_control_domain.go:65: `*.example.com` matches by suffix, else the exact name.
function domainMatches(pattern, host) {
  const p = pattern.toLowerCase();
  return p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p;
}
function subjectMatches(subject, who) {
  return subject.every((s) => (s.startsWith("user:") ? who.username === s.slice(5) : s.startsWith("group:") ? (who.groups ?? []).includes(s.slice(6)) : false));
}

// internal/authorization/authorizer.go:51 GetRequiredLevel: the first rule that matches decides; else default_policy.
function requiredLevel(object, who) {
  for (const rule of rules) {
    if (rule.domains.length && !rule.domains.some((d) => domainMatches(d, object.domain))) continue;
    if (rule.resources.length && !rule.resources.some((r) => r.test(object.path))) continue;
    if (rule.methods.length && !rule.methods.includes(object.method)) continue;
    if (rule.subjects.length && !rule.subjects.some((s) => subjectMatches(s, who))) continue;
    return { hasSubjects: rule.subjects.length > 0, policy: rule.policy };
  }
  return { hasSubjects: false, policy: defaultPolicy };
}

// internal/handlers/handler_authz_util.go:29 isAuthzResult.
function authzResult(level, required, hasSubjects) {
  if (required === "bypass") return "authorized";
  if (required === "deny" && (level !== NOT_AUTHENTICATED || !hasSubjects)) return "forbidden";
  if ((required === "one_factor" && level >= 1) || (required === "two_factor" && level >= 2)) return "authorized";
  return "unauthorized";
}

// Go's url.QueryEscape (everything but A-Z a-z 0-9 - _ . ~ escaped, space as +), as url.Values.Encode uses.
const queryEscape = (s) =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");

function sessionOf(req, cookie) {
  const wanted = cookieName(cookie);
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === wanted) return sessions[rest.join("=")];
  }
  return undefined;
}

function targetOf(req, impl) {
  if (impl === "auth-request") {
    // handler_authz_impl_authrequest.go:20-35: X-Original-URL and X-Original-Method are required (else 400).
    const raw = req.headers["x-original-url"];
    const method = req.headers["x-original-method"];
    if (!raw || !method) return undefined;
    try {
      return { url: new URL(raw), method };
    } catch {
      return undefined;
    }
  }
  // handler_authz_impl_forwardauth.go:14-28 and handler_authz_common.go:88: X-Forwarded-Proto://Host + Uri; Method required.
  const [proto, host, uri, method] = ["x-forwarded-proto", "x-forwarded-host", "x-forwarded-uri", "x-forwarded-method"].map((h) => req.headers[h]);
  if (!proto || !host || !method) return undefined;
  try {
    return { url: new URL(`${proto}://${host}${uri ?? ""}`), method };
  } catch {
    return undefined;
  }
}

// internal/middlewares/wrap.go:32 RequestCtxRemoteIP: the client is the first X-Forwarded-For entry, else the
// peer address. Authelia uses it for `networks` rules, regulation (bans) and its logs.
const remoteIp = (req) => (req.headers["x-forwarded-for"] ?? "").split(",")[0].trim() || req.socket.remoteAddress.replace(/^::ffff:/, "");

function authz(req, res, impl) {
  const log = { impl, target: null, method: null, status: 0, user: null, remoteIp: remoteIp(req), xForwardedFor: req.headers["x-forwarded-for"] ?? null };
  const reply = (status, headers = {}) => {
    log.status = status;
    console.log(JSON.stringify(log));
    res.writeHead(status, headers).end();
  };
  const target = targetOf(req, impl);
  // handler_authz.go:22-27: no target URL → 400.
  if (!target) return reply(400);
  log.target = target.url.href;
  log.method = target.method;
  // handler_authz.go:30-35 (utils.IsURISecure): only https and wss targets; anything else → 400.
  if (target.url.protocol !== "https:" && target.url.protocol !== "wss:") return reply(400);
  const host = target.url.hostname.toLowerCase();
  // handler_authz.go:37 + middlewares/authelia_context.go:301 GetSessionProviderByTargetURI: a cookie domain must be a suffix, else 400.
  const cookie = cookies.find((c) => host === c.domain || host.endsWith(`.${c.domain}`));
  if (!cookie) return reply(400);
  // handler_authz.go:112-133 getAutheliaURL: the cookie's authelia_url (auth-request and forward-auth take no portal header here).
  if (!cookie.authelia_url) return reply(400);

  const session = sessionOf(req, cookie);
  const user = session ? users[session.username] : undefined;
  const who = user
    ? { username: session.username, groups: user.groups ?? [], displayname: user.displayname, email: user.email, level: session.level }
    : { level: NOT_AUTHENTICATED };
  log.user = who.username ?? null;
  // internal/authorization/types.go:90 NewObject: Path is utils.URLPathFullClean (path plus the raw query).
  const object = { domain: host, path: target.url.pathname + target.url.search, method: target.method };
  const { hasSubjects, policy } = requiredLevel(object, who);
  log.policy = policy;

  switch (authzResult(who.level, policy, hasSubjects)) {
    case "forbidden":
      // handler_authz.go:94-96: ReplyForbidden.
      return reply(403);
    case "authorized": {
      // handler_authz_common.go:61-76 handleAuthzAuthorizedStandard: 200, Remote-* only for a known user.
      const headers = who.username
        ? { "Remote-User": who.username, "Remote-Groups": who.groups.join(","), "Remote-Name": who.displayname ?? "", "Remote-Email": who.email ?? "" }
        : {};
      return reply(200, headers);
    }
    default: {
      // handler_authz.go:136-158 getRedirectionURL: the portal URL (path "/" when empty) with rd=<target> and rm=<method>.
      const portal = new URL(cookie.authelia_url);
      const location = `${portal.origin}${portal.pathname || "/"}?rd=${queryEscape(target.url.href)}&rm=${queryEscape(target.method)}`;
      if (impl === "auth-request") {
        // handler_authz_impl_authrequest.go:40-48: 401 with the portal in Location.
        return reply(401, { Location: location });
      }
      // handler_authz_impl_forwardauth.go:36-50: 401 for XHR or clients not accepting text/html; else 302 (GET/HEAD/OPTIONS) or 303.
      const xhr = (req.headers["x-requested-with"] ?? "").toLowerCase() === "xmlhttprequest";
      // middlewares/authelia_context.go:545 AcceptsMIME: text/html anywhere in Accept, or */* as its first entry.
      const html = (req.headers.accept ?? "").split(",").some((a, i) => {
        const mime = a.split(";")[0].trim();
        return mime === "text/html" || (i === 0 && mime === "*/*");
      });
      const status = xhr || !html ? 401 : ["GET", "HEAD", "OPTIONS"].includes(target.method) ? 302 : 303;
      return reply(status, { Location: location });
    }
  }
}

http
  .createServer((req, res) => {
    const route = (req.url ?? "/").split("?")[0];
    // internal/server/handlers.go:227-245: each configured authz endpoint at /api/authz/<name>, GET and HEAD
    // (defaults: auth-request for nginx, forward-auth for Traefik).
    if (req.method !== "GET" && req.method !== "HEAD" && route.startsWith("/api/authz/")) return res.writeHead(405).end();
    if (route === "/api/authz/auth-request") return authz(req, res, "auth-request");
    if (route === "/api/authz/forward-auth") return authz(req, res, "forward-auth");
    // The portal itself: any other path answers like the login page would (logged: the login's client address).
    console.log(JSON.stringify({ impl: "portal", target: `https://${req.headers.host}${req.url}`, status: 200, remoteIp: remoteIp(req) }));
    res.writeHead(200, { "Content-Type": "text/plain" }).end("authelia-portal\n");
  })
  .listen(port, () => console.error(`authelia double listening on :${port}, ${rules.length} rule(s), default ${defaultPolicy}`));
