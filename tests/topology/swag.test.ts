import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretValue } from "../../config/secret";
import { SWAG_NGINX } from "../../topology/swag";
import type { Plan } from "../../topology/types";
import { CLOUDFLARE, stackPlan } from "../support/configs";
import { container } from "../support/plans";

/**
 * The generated SWAG confs through Debian's nginx (`apt-get install nginx`): `nginx -t` with a throwaway
 * main config that includes them. SWAG's own includes (proxy.conf, resolver.conf, ssl.conf) are stubbed.
 * Skipped when nginx is missing, unless HOMELAB_REQUIRE_NGINX=1 (CI), where a missing nginx fails.
 */
function findNginx(): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"]) {
    const candidate = path.join(dir, "nginx");
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function writeConfs(plan: Plan, root: string): void {
  const swag = container(plan, `${plan.prefix}swag`);
  const rebase = (p: string) => path.join(root, p.replace(/^\/config\//, ""));
  for (const f of swag.files ?? []) {
    if (!f.path.startsWith(`${SWAG_NGINX}/`)) continue;
    fs.mkdirSync(path.dirname(rebase(f.path)), { recursive: true });
    fs.writeFileSync(rebase(f.path), f.content.replaceAll(`${SWAG_NGINX}/`, `${rebase(SWAG_NGINX)}/`));
  }
  const nginxDir = rebase(SWAG_NGINX);
  fs.writeFileSync(
    path.join(nginxDir, "proxy.conf"),
    "proxy_set_header Host $host;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\nproxy_http_version 1.1;\n",
  );
  fs.writeFileSync(path.join(nginxDir, "resolver.conf"), "resolver 127.0.0.11 valid=30s;\n");
  const key = path.join(root, "key.pem");
  const cert = path.join(root, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${plan.domain}`, "-keyout", key, "-out", cert], {
    stdio: "ignore",
  });
  fs.writeFileSync(path.join(nginxDir, "ssl.conf"), `ssl_certificate ${cert};\nssl_certificate_key ${key};\n`);
  fs.writeFileSync(
    path.join(root, "nginx.conf"),
    [
      `pid ${path.join(root, "nginx.pid")};`,
      "events {}",
      "http {",
      `  access_log off;`,
      `  client_body_temp_path ${root}/tmp;`,
      `  include ${nginxDir}/proxy-confs/*.subdomain.conf;`,
      "}",
      "",
    ].join("\n"),
  );
}

describe("generated SWAG confs pass nginx -t", function () {
  const nginx = findNginx();
  before(function () {
    if (nginx) return;
    if (process.env.HOMELAB_REQUIRE_NGINX === "1") assert.fail("nginx is not installed but HOMELAB_REQUIRE_NGINX=1 (apt-get install -y nginx)");
    this.skip();
  });
  const variants: [string, Record<string, unknown>][] = [
    ["lab (internal CA)", {}],
    ["lab with ACME", { acme: { email: "ops@example.com", cloudflareApiToken: new SecretValue("t") } }],
    [
      "lab with the tunnel (real client IP from cloudflared only)",
      {
        cloudflare: CLOUDFLARE,
        services: { jellyfin: { expose: "tunnel" }, sonarr: {}, qbittorrent: {}, dozzle: {}, whoami: { image: "traefik/whoami:v1.11.0", port: 80 } },
      },
    ],
    [
      "lab with every middleware: LAN-only with extra ranges, rate limits, compression off for one, behind the tunnel",
      {
        cloudflare: CLOUDFLARE,
        middlewares: { lanOnly: true, rateLimit: true, lanSources: ["10.8.0.0/24", "100.64.0.0/10"] },
        services: {
          jellyfin: { expose: "tunnel" },
          sonarr: { middlewares: { rateLimit: { average: 1, burst: 5 }, compression: false } },
          qbittorrent: { middlewares: { lanOnly: false, secureHeaders: false } },
          dozzle: {},
          whoami: { image: "traefik/whoami:v1.11.0", port: 80 },
        },
      },
    ],
    [
      "lab with every route protected and one denied",
      { services: { sonarr: { auth: "deny" }, jellyfin: { auth: "one_factor" }, whoami: { image: "traefik/whoami:v1.11.0", port: 80 } } },
    ],
  ];
  for (const [name, overrides] of variants) {
    it(name, () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-nginx-"));
      try {
        const plan = stackPlan("lab", overrides);
        writeConfs(plan, root);
        const result = spawnSync(nginx!, ["-t", "-q", "-e", path.join(root, "error.log"), "-c", path.join(root, "nginx.conf")], { encoding: "utf8" });
        assert.equal(result.status, 0, `nginx -t failed:\n${result.stderr}`);
        const confs = fs.readdirSync(path.join(root, "nginx", "proxy-confs"));
        assert.equal(confs.length, plan.routes.length);
        for (const conf of confs) {
          const text = fs.readFileSync(path.join(root, "nginx", "proxy-confs", conf), "utf8");
          assert.match(text, /listen 443 ssl http2;/);
          assert.doesNotMatch(text, /listen 80/, "port 80 is SWAG's default.conf, which only redirects");
          assert.equal(text.includes("set_real_ip_from"), !!plan.tunnel, conf);
        }
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
