// A cloudflared-like peer for the end-to-end test: forwards what the Cloudflare edge hands it to the origin the
// GENERATED tunnel ingress names, the way cloudflare/cloudflared 2025.10.0 does. The test client plays the edge:
// it sends what Cloudflare adds to every proxied request (CF-Connecting-IP, X-Forwarded-For, X-Forwarded-Proto:
// https; developers.cloudflare.com/fundamentals/reference/http-headers/). cloudflared passes those through
// untouched: it sets no forwarding header of its own besides X-Forwarded-Host.
// Rules: /e2e/ingress.json (the plan's tunnel.ingress); listens on :8080 (the edge's leg, plain HTTP here).
"use strict";
const http = require("node:http");
const https = require("node:https");
const fs = require("node:fs");
const tls = require("node:tls");

const rules = JSON.parse(fs.readFileSync("/e2e/ingress.json", "utf8"));
// tlsconfig/certreloader.go LoadOriginCA: caPool is added to the system roots (the test writes the connector's
// generated /etc/cloudflared files to /e2e/cloudflared).
const rootsWith = (file) => (file ? [...tls.rootCertificates, fs.readFileSync(file.replace(/^\/etc\/cloudflared\//, "/e2e/cloudflared/"), "utf8")] : undefined);

// ingress/ingress.go:41 FindMatchingRule: the port is stripped, the first rule whose hostname matches wins;
// a rule without hostname is the catch-all.
function ruleFor(hostHeader) {
  const host = (hostHeader ?? "").replace(/:\d+$/, "").toLowerCase();
  return rules.find((r) => r.hostname === undefined || r.hostname.toLowerCase() === host);
}

http
  .createServer((req, res) => {
    const rule = ruleFor(req.headers.host);
    const status = /^http_status:(\d+)$/.exec(rule?.service ?? "http_status:404");
    if (status) return res.writeHead(Number(status[1])).end();
    const origin = new URL(rule.service);
    // The plan spells originRequest the way @pulumi/cloudflare's ZeroTrustTunnelCloudflaredConfig takes it
    // (noTlsVerify, matchSnItoHost); cloudflared's own YAML spells noTLSVerify, matchSNItoHost: accept both.
    const given = rule.originRequest ?? {};
    const o = { ...given, noTLSVerify: given.noTLSVerify ?? given.noTlsVerify, matchSNItoHost: given.matchSNItoHost ?? given.matchSnItoHost };
    const headers = { ...req.headers };
    if (o.httpHostHeader) {
      // ingress/origin_proxy.go:47-52: the original Host moves to X-Forwarded-Host, Host becomes httpHostHeader.
      headers["x-forwarded-host"] = req.headers.host;
      headers.host = o.httpHostHeader;
    }
    // proxy/proxy.go:212: keep the origin connection alive; :216-218: an empty User-Agent when none came.
    headers.connection = "keep-alive";
    headers["user-agent"] ??= "";
    const secure = origin.protocol === "https:";
    const options = {
      host: origin.hostname,
      port: Number(origin.port || (secure ? 443 : 80)),
      method: req.method,
      path: req.url,
      headers,
      timeout: 5000,
      // ingress/origin_service.go:359-364: RootCAs from caPool, InsecureSkipVerify from noTLSVerify, ServerName
      // from originServerName; ingress/origin_proxy.go:54-56: matchSNIToHost uses the request's Host instead.
      ...(secure
        ? {
            servername: o.matchSNItoHost ? headers.host.replace(/:\d+$/, "") : o.originServerName || origin.hostname,
            rejectUnauthorized: !o.noTLSVerify,
            ca: rootsWith(o.caPool),
          }
        : {}),
    };
    const upstream = (secure ? https : http).request(options, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("timeout", () => upstream.destroy(new Error("origin timeout")));
    upstream.on("error", (e) => {
      console.error(`origin ${rule.service}: ${e.message}`);
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`cloudflared-peer: ${e.message}\n`);
    });
    req.pipe(upstream);
  })
  .listen(8080, () => console.error(`cloudflared peer: ${rules.length} ingress rule(s)`));
