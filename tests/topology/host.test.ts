import * as assert from "node:assert/strict";
import { SecretEnvRef } from "../../config/secret";
import { secretRef } from "../../config/secret";
import { parse } from "yaml";
import { image } from "../../config/schema";
import { SecretValue } from "../../config/secret";
import { API_PATHS, AUTHELIA_CONFIG_DIR, AUTHELIA_CONFIG_FILE, AUTHELIA_RULES_FILE, needsForwardAuth } from "../../topology/authelia";
import { DOCKER_SOCKET } from "../../topology/policy";
import { TRAEFIK_API } from "../../topology/proxy";
import { TLS_PLACEHOLDERS } from "../../topology/tls";
import type { Plan } from "../../topology/types";
import { buildPlan } from "../../topology/plan";
import { CLOUDFLARE, minimalConfig, stackConfig, stackPlan, STACKS } from "../support/configs";
import { container, file } from "../support/plans";

const secret = (v: string) => new SecretValue(v);
const mainOf = (plan: Plan, service: string) => container(plan, `${plan.prefix}${service}`);
/** Authelia's configuration as it merges its folder: configuration.yml, then rules.yml's access_control rules. */
const autheliaConfig = (plan: Plan) => {
  const a = mainOf(plan, "authelia");
  const base = parse(file(a, AUTHELIA_CONFIG_FILE));
  return { ...base, access_control: { ...base.access_control, ...parse(file(a, AUTHELIA_RULES_FILE)).access_control } };
};

describe("host stack plan", () => {
  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      const plan = stackPlan(stack);

      it("adds the proxy, Authelia, CrowdSec and the socket proxy as implicit services", () => {
        for (const s of [plan.proxy, "authelia", "crowdsec", "cetusguard"])
          assert.ok(
            plan.services.some((x) => x.name === s),
            `${s} missing`,
          );
        assert.ok(plan.routes.some((r) => r.service === "authelia" && r.host === `auth.${plan.domain}` && r.auth === "bypass"));
      });

      it("pins every image to a version (never latest)", () => {
        for (const c of plan.containers) assert.ok(image.safeParse(c.image).success, `${c.name}: ${c.image} is not pinned`);
      });

      it("lets only the socket proxy mount the Docker socket, read-only, on vnet-socket only", () => {
        const mounting = plan.containers.filter((c) => c.mounts.some((m) => m.source === DOCKER_SOCKET || m.target === DOCKER_SOCKET));
        assert.deepEqual(
          mounting.map((c) => c.name),
          [`${plan.prefix}cetusguard`],
        );
        assert.ok(mounting[0].mounts.every((m) => m.source !== DOCKER_SOCKET || m.readOnly));
        assert.deepEqual(mounting[0].networks, [`${plan.prefix}vnet-socket`]);
      });

      it("gives the socket proxy exactly the rules of its consumers", () => {
        const sp = plan.socketProxy!;
        const proxy = mainOf(plan, "cetusguard");
        // A file the same container re-reads at a restart, never the environment (which would recreate it).
        assert.equal(proxy.env.CETUSGUARD_RULES, undefined);
        assert.equal(proxy.env.CETUSGUARD_RULES_FILE, "/etc/cetusguard/rules.list");
        assert.deepEqual(
          (proxy.files ?? []).map((f) => [f.path, f.content, f.reload]),
          [["/etc/cetusguard/rules.list", `${sp.rules.join("\n")}\n`, "restart"]],
        );
        const writes = sp.rules.filter((r) => /^(?:[A-Z]+,)*(POST|PUT|DELETE)/.test(r));
        assert.equal(
          sp.write,
          sp.consumers.some((c) => c.access === "write"),
        );
        assert.equal(writes.length > 0, sp.write, "write rules exactly when a consumer writes");
        for (const c of sp.consumers) assert.ok(mainOf(plan, c.service).networks.includes(`${plan.prefix}vnet-socket`) || c.service === "traefik");
      });

      it("has one Authelia access rule per routed service, matching its auth level, default deny", () => {
        const doc = autheliaConfig(plan);
        assert.equal(doc.access_control.default_policy, "deny");
        assert.deepEqual(doc.access_control.rules, plan.authelia!.rules);
        for (const route of plan.routes.filter((r) => r.service !== "authelia")) {
          const plain = doc.access_control.rules.filter((r: any) => r.domain.includes(route.host) && !r.resources);
          assert.equal(plain.length, 1, `${route.host}: one rule`);
          assert.equal(plain[0].policy, route.auth);
        }
        assert.ok(
          doc.access_control.rules.every((r: any) => !("networks" in r)),
          "no network-based bypass",
        );
        for (const r of doc.access_control.rules.filter((x: any) => x.resources)) {
          assert.equal(r.policy, "bypass");
          assert.deepEqual(r.resources, [API_PATHS]);
          const first = doc.access_control.rules.findIndex((x: any) => x.domain[0] === r.domain[0] && !x.resources);
          assert.ok(doc.access_control.rules.indexOf(r) < first, "API bypass comes before the host's rule");
        }
      });

      it("generates an Authelia configuration.yml with every key it needs and secrets only as files", () => {
        const doc = autheliaConfig(plan);
        const a = mainOf(plan, "authelia");
        assert.match(doc.server.address, /^tcp:\/\/:9091\/$/);
        assert.equal(doc.session.cookies[0].domain, plan.domain);
        assert.equal(doc.session.cookies[0].authelia_url, `https://auth.${plan.domain}`);
        assert.equal(doc.session.redis.host, `${plan.prefix}authelia-redis`);
        assert.equal(doc.authentication_backend.file.path, "/config/users_database.yml");
        assert.equal(doc.authentication_backend.file.password.argon2.variant, "argon2id");
        assert.ok(doc.storage.local.path);
        assert.ok(doc.notifier.filesystem.filename, "filesystem notifier without SMTP");
        assert.ok(doc.identity_validation.reset_password);
        const text = file(a, AUTHELIA_CONFIG_FILE) + file(a, AUTHELIA_RULES_FILE);
        assert.doesNotMatch(text, /secret:|encryption_key|password: /, "no secret values in the config file");
        for (const [envVar, name] of [
          ["AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET_FILE", "authelia-jwt-secret"],
          ["AUTHELIA_SESSION_SECRET_FILE", "authelia-session-secret"],
          ["AUTHELIA_STORAGE_ENCRYPTION_KEY_FILE", "authelia-storage-encryption-key"],
        ]) {
          assert.equal(a.env[envVar], `/secrets/${name}`);
          assert.equal(file(a, `/secrets/${name}`), secretRef(name));
          assert.ok(plan.secrets!.some((s) => s.name === name && s.source === "generated"));
        }
        const users = parse(file(a, "/config/users_database.yml")).users;
        // Generated passwords: the generator's bcrypt hash; chosen ones are hashed with argon2id (see the SMTP/Duo case).
        for (const [name, u] of Object.entries<any>(users)) assert.equal(u.password, secretRef(`authelia-user-${name}`, "bcrypt"));
        // The rules follow the routes and the users the config: delivered next to Authelia, which restarts for them; the rest is part of
        // the container, there from its first start (no template-and-exit), and Authelia reads the folder.
        assert.deepEqual(
          (a.files ?? []).filter((f) => f.reload).map((f) => [f.path, f.reload]),
          [
            [AUTHELIA_RULES_FILE, "restart"],
            ["/config/users_database.yml", "restart"],
          ],
        );
        assert.equal(a.files!.find((f) => f.path === AUTHELIA_CONFIG_FILE)!.reload, undefined);
        assert.equal(a.env.X_AUTHELIA_CONFIG, AUTHELIA_CONFIG_DIR);
        assert.deepEqual(
          parse(file(a, AUTHELIA_CONFIG_FILE)).access_control.rules,
          [{ domain: [plan.domain, `*.${plan.domain}`], policy: "deny" }],
          "a stable placeholder rule until rules.yml arrives",
        );
      });

      it("generates Homepage YAML from the enabled services, pointed at the socket proxy", () => {
        const p = plan.services.some((s) => s.name === "homepage")
          ? plan
          : stackPlan(stack, { services: { ...(stackConfig(stack).services as object), homepage: {} } });
        const h = mainOf(p, "homepage");
        const groups = parse(file(h, "/app/config/services.yaml")) as Record<string, Record<string, any>[]>[];
        assert.deepEqual(
          (h.files ?? []).filter((f) => f.reload).map((f) => [f.path, f.reload]),
          [["/app/config/services.yaml", "watched"]],
          "Homepage re-reads its service list",
        );
        assert.deepEqual(
          groups.map((g) => Object.keys(g)[0]),
          groups.map((g) => Object.keys(g)[0]).sort(),
          "groups sorted",
        );
        const entries = groups.flatMap((g) => Object.values(g)[0]).map((e) => Object.entries(e)[0]);
        for (const route of p.routes.filter((r) => entries.some(([n]) => n === r.service))) {
          assert.equal(entries.find(([n]) => n === route.service)![1].href, `https://${route.host}`);
        }
        assert.ok(entries.every(([n, e]) => e.server === "homelab" && e.container === `${p.prefix}${n}`));
        assert.equal(h.env.HOMEPAGE_ALLOWED_HOSTS, p.routes.find((r) => r.service === "homepage")!.host);
        assert.deepEqual(parse(file(h, "/app/config/docker.yaml")), { homelab: { host: `${p.prefix}cetusguard`, port: 2375 } });
      });
    });
  }

  describe("Traefik (home)", () => {
    const plan = stackPlan("home");

    it("labels every routed container with its router, ingress network, port and middlewares", () => {
      for (const route of plan.routes) {
        const labels = mainOf(plan, route.service).labels;
        const r = route.service;
        assert.equal(labels["traefik.enable"], "true");
        assert.equal(labels["traefik.docker.network"], "vnet-ingress");
        assert.equal(labels["homelab.proxy"], "traefik");
        const known = /^traefik\.(enable|docker\.network|http\.(routers|services|middlewares)\.[a-z0-9-]+\.[A-Za-z.]+)$/;
        for (const key of Object.keys(labels).filter((k) => k.startsWith("traefik."))) assert.match(key, known, "Traefik rejects unknown traefik.* labels");
        assert.equal(labels[`traefik.http.routers.${r}.rule`], `Host(\`${route.host}\`)`);
        if (route.upstream === TRAEFIK_API) assert.equal(labels[`traefik.http.routers.${r}.service`], TRAEFIK_API);
        else assert.equal(labels[`traefik.http.services.${r}.loadbalancer.server.port`], route.upstream.split(":")[1]);
        const middlewares = labels[`traefik.http.routers.${r}.middlewares`].split(",");
        // The secure headers dress every answer, so they come first; then CrowdSec drops banned IPs early (topology/middlewares.ts).
        assert.deepEqual(
          middlewares.filter((m) => m !== "authelia@docker"),
          ["secure-headers@file", "crowdsec@file", "compress@file"],
        );
        assert.equal(middlewares.includes("authelia@docker"), needsForwardAuth(route), `${r}: forward-auth iff not bypass`);
      }
      assert.ok(
        plan.routes.some((r) => r.service === "traefik" && r.upstream === TRAEFIK_API && r.auth === "two_factor"),
        "dashboard behind SSO",
      );
    });

    it("defines the forward-auth middleware on Authelia and reads Docker only through the socket proxy", () => {
      const labels = mainOf(plan, "authelia").labels;
      assert.equal(labels["traefik.http.middlewares.authelia.forwardauth.address"], "http://authelia:9091/api/authz/forward-auth");
      const traefik = mainOf(plan, "traefik");
      const config = parse(file(traefik, "/etc/traefik/traefik.yml"));
      assert.equal(config.providers.docker.endpoint, "tcp://cetusguard:2375");
      assert.equal(config.providers.docker.exposedByDefault, false);
      assert.equal(config.providers.docker.constraints, "Label(`homelab.proxy`,`traefik`)");
      assert.deepEqual(Object.keys(config.entryPoints), ["web", "websecure"], "HTTPS without ACME too");
      assert.deepEqual(config.entryPoints.websecure.http.tls, {}, "the default certificate: the stack CA's");
      assert.deepEqual(parse(file(traefik, "/etc/traefik/dynamic/tls.yml")).tls.stores.default.defaultCertificate, {
        certFile: "/etc/traefik/certs/homelab.crt",
        keyFile: "/etc/traefik/certs/homelab.key",
      });
      assert.equal(file(traefik, "/etc/traefik/certs/homelab.key"), TLS_PLACEHOLDERS.key);
      assert.ok(traefik.files!.find((f) => f.path === "/etc/traefik/certs/homelab.key")!.secret);
      assert.ok(!traefik.networks.includes("vnet-socket") || traefik.env.DOCKER_HOST === "tcp://cetusguard:2375");
      const dynamic = parse(file(traefik, "/etc/traefik/dynamic/crowdsec.yml"));
      assert.equal(dynamic.http.middlewares.crowdsec.plugin.bouncer.crowdsecLapiHost, "crowdsec:8080");
      assert.equal(file(traefik, "/etc/traefik/crowdsec-bouncer.key"), secretRef("crowdsec-bouncer-key"));
    });

    it("serves HTTPS through an ACME DNS challenge when a Cloudflare token is configured", () => {
      const tls = stackPlan("home", { acme: { email: "ops@example.com", cloudflareApiToken: secret("tok") } });
      const traefik = mainOf(tls, "traefik");
      const config = parse(file(traefik, "/etc/traefik/traefik.yml"));
      assert.equal(config.certificatesResolvers.acme.acme.dnsChallenge.provider, "cloudflare");
      assert.deepEqual(traefik.secretEnv.CF_DNS_API_TOKEN, SecretEnvRef.secret("acme-cloudflare-api-token"));
      assert.equal(mainOf(tls, "sonarr").labels["traefik.http.routers.sonarr.entrypoints"], "websecure");
      assert.deepEqual(config.entryPoints.websecure.http.tls, { certResolver: "acme", domains: [{ main: "home.example.com", sans: ["*.home.example.com"] }] });
      assert.ok(!traefik.files!.some((f) => f.path.startsWith("/etc/traefik/certs/")), "no internal certificate with ACME");
      assert.deepEqual(mainOf(tls, "sonarr").labels, mainOf(plan, "sonarr").labels, "routes look the same in both modes");
    });

    it("generates each private database's password and hands it to database and service", () => {
      assert.deepEqual(container(plan, "immich-db").secretEnv.POSTGRES_PASSWORD, SecretEnvRef.secret("immich-db-password"));
      assert.deepEqual(mainOf(plan, "immich").secretEnv.DB_PASSWORD, SecretEnvRef.secret("immich-db-password"));
      assert.ok(plan.secrets!.some((s) => s.name === "immich-db-password" && s.source === "generated"));
    });

    it("grants Portainer write rules only because the stack acknowledges it, and points it at the socket proxy", () => {
      assert.equal(plan.socketProxy!.write, true);
      assert.deepEqual(mainOf(plan, "portainer").command, ["--admin-password-file", "/secrets/portainer-admin-password", "-H", "tcp://cetusguard:2375"]);
      assert.ok(plan.socketProxy!.rules.includes("GET,HEAD,POST,PUT,DELETE %API_PREFIX%/.+"));
    });

    it("gives Portainer its first admin's password as a generated secret file, never as env, held like a data key", () => {
      const portainer = mainOf(plan, "portainer");
      const files = (portainer.files ?? []).filter((f) => f.path === "/secrets/portainer-admin-password");
      assert.deepEqual(files, [{ path: "/secrets/portainer-admin-password", content: secretRef("portainer-admin-password"), secret: true }]);
      assert.ok(!Object.keys(portainer.secretEnv).length && !Object.values(portainer.env).some((v) => v.includes("admin-password")));
      assert.deepEqual(
        plan.secrets!.find((s) => s.name === "portainer-admin-password"),
        { name: "portainer-admin-password", source: "generated", length: 32, purpose: "portainer's first administrator's password", guardsData: true },
      );
    });
  });

  describe("SWAG (lab)", () => {
    const plan = stackPlan("lab");
    const swag = mainOf(plan, "swag");

    it("generates one subdomain conf per route, with the Authelia includes exactly on SSO routes", () => {
      const confs = (swag.files ?? []).filter((f) => f.path.startsWith("/config/nginx/proxy-confs/"));
      assert.deepEqual(confs.map((f) => f.path).sort(), plan.routes.map((r) => `/config/nginx/proxy-confs/${r.service}.subdomain.conf`).sort());
      for (const route of plan.routes) {
        const conf = file(swag, `/config/nginx/proxy-confs/${route.service}.subdomain.conf`);
        const [app, port] = route.upstream.split(":");
        assert.match(conf, new RegExp(`server_name ${route.host.replace(/\./g, "\\.")};`));
        assert.match(conf, new RegExp(`set \\$upstream_app ${app};`));
        assert.match(conf, new RegExp(`set \\$upstream_port ${port};`));
        assert.equal(conf.includes("authelia-location.conf"), needsForwardAuth(route), `${route.service}: forward-auth iff not bypass`);
        assert.equal(conf.includes("authelia-server.conf"), needsForwardAuth(route));
      }
      assert.match(file(swag, "/config/nginx/homelab/authelia-server.conf"), /set \$upstream_authelia lab-authelia;/);
    });

    it("reloads routes by itself; without ACME it serves the stack CA's certificate where SWAG's init finds it, with no certbot run", () => {
      assert.equal(swag.env.SWAG_AUTORELOAD, "true");
      for (const f of (swag.files ?? []).filter((x) => x.path.startsWith("/config/nginx/proxy-confs/"))) assert.equal(f.reload, "watched", f.path);
      assert.deepEqual([swag.env.URL, swag.env.VALIDATION, swag.env.SUBDOMAINS, swag.env.DNSPLUGIN], ["lab.example.com", "http", undefined, undefined]);
      const live = "/config/etc/letsencrypt/live/lab.example.com";
      assert.equal(file(swag, `${live}/fullchain.pem`).trim(), TLS_PLACEHOLDERS.cert);
      assert.equal(file(swag, `${live}/privkey.pem`).trim(), TLS_PLACEHOLDERS.key);
      assert.ok(!(swag.files ?? []).some((f) => f.path === `${live}/chain.pem`), "SWAG revokes a chain.pem not issued by ISRG");
      assert.match(file(swag, "/config/.donoteditthisfile.conf"), /^ORIGURL="lab\.example\.com" ORIGSUBDOMAINS="" .*ORIGVALIDATION="http" /);
      // Nothing of it follows other services: part of the container, never a reason to recreate SWAG.
      for (const f of (swag.files ?? []).filter((x) => !x.path.startsWith("/config/nginx/proxy-confs/"))) assert.equal(f.reload, undefined, f.path);
    });

    it("captures the sign-in URL and Set-Cookie where auth_request runs, as SWAG's samples do", () => {
      const location = file(swag, "/config/nginx/homelab/authelia-location.conf");
      assert.match(location, /^auth_request \/authelia\/api\/authz\/auth-request;$/m);
      assert.match(location, /^auth_request_set \$signin_url \$upstream_http_location;$/m);
      assert.match(location, /^auth_request_set \$set_cookie \$upstream_http_set_cookie;$/m);
      const server = file(swag, "/config/nginx/homelab/authelia-server.conf");
      assert.doesNotMatch(server, /auth_request_set/, "nginx evaluates auth_request_set only where auth_request runs");
      assert.match(server, /location @authelia_proxy_signin \{[^}]*add_header Set-Cookie \$set_cookie;[^}]*return 302 \$signin_url;/);
      assert.match(server, /proxy_pass http:\/\/\$upstream_authelia:9091\/api\/authz\/auth-request;/);
    });

    it("takes the client address from CF-Connecting-IP only when cloudflared (its fixed address) sends it", () => {
      const tunnelled = stackPlan("lab", { cloudflare: CLOUDFLARE, services: { ...(stackConfig("lab").services as object), jellyfin: { expose: "tunnel" } } });
      const conf = file(mainOf(tunnelled, "swag"), "/config/nginx/proxy-confs/jellyfin.subdomain.conf");
      assert.equal(mainOf(tunnelled, "cloudflared").addresses!["lab-vnet-ingress"], "10.90.0.254");
      assert.deepEqual(
        conf.match(/^\s*(set_real_ip_from|real_ip_header) .*$/gm)!.map((l) => l.trim()),
        ["set_real_ip_from 10.90.0.254;", "real_ip_header CF-Connecting-IP;"],
      );
      assert.doesNotMatch(file(swag, "/config/nginx/proxy-confs/jellyfin.subdomain.conf"), /set_real_ip_from/, "no tunnel, nobody trusted");
    });

    it("with ACME over Cloudflare DNS: one wildcard certificate, nothing per route", () => {
      const acme = mainOf(stackPlan("lab", { acme: { email: "ops@lab.example.com", cloudflareApiToken: secret("t") } }), "swag");
      assert.deepEqual([acme.env.SUBDOMAINS, acme.env.VALIDATION], ["wildcard", "dns"]);
      assert.ok(!(acme.files ?? []).some((f) => f.path.startsWith("/config/etc/letsencrypt/") || f.path === "/config/.donoteditthisfile.conf"));
    });

    it("runs the CrowdSec mod with a generated bouncer key and shares its access log", () => {
      assert.equal(swag.env.DOCKER_MODS, "linuxserver/mods:swag-crowdsec");
      assert.equal(swag.env.CROWDSEC_LAPI_URL, "http://lab-crowdsec:8080");
      assert.deepEqual(swag.secretEnv.CROWDSEC_API_KEY, SecretEnvRef.secret("crowdsec-bouncer-key"));
      const cs = mainOf(plan, "crowdsec");
      assert.deepEqual(cs.secretEnv.BOUNCER_KEY_swag, SecretEnvRef.secret("crowdsec-bouncer-key"));
      assert.deepEqual(parse(file(cs, "/etc/crowdsec/acquis.yaml")), { filenames: ["/var/log/proxy/access.log"], labels: { type: "nginx" } });
      const shared = swag.mounts.find((m) => m.type === "volume" && m.source === "lab-swag-access-logs");
      assert.ok(shared && !shared.readOnly);
      assert.ok(cs.mounts.some((m) => m.source === shared.source && m.readOnly));
    });

    it("gives the socket proxy read-only rules when nothing manages containers", () => {
      assert.equal(plan.socketProxy!.write, false);
      assert.ok(plan.socketProxy!.rules.filter((r) => !r.startsWith("!")).every((r) => r.startsWith("GET ")));
    });

    it("a consumer that comes adds exactly its own block of rules, nothing else in the file moves", () => {
      const services = stackConfig("home").services as Record<string, unknown>;
      const { dozzle: _dozzle, ...withoutDozzle } = services;
      const before = stackPlan("home", { services: withoutDozzle }).socketProxy!.rules;
      const after = stackPlan("home", { services }).socketProxy!.rules;
      const start = after.indexOf("! dozzle (read)");
      assert.ok(start >= 0);
      const next = after.findIndex((r, i) => i > start && r.startsWith("!"));
      const block = after.slice(start, next < 0 ? after.length : next);
      assert.deepEqual([...after.slice(0, start), ...after.slice(start + block.length)], before);
      assert.ok(
        block.some((r) => r.endsWith("/logs")),
        "Dozzle's block holds everything Dozzle needs",
      );
    });
  });

  describe("Authelia options", () => {
    it("uses a private PostgreSQL with a generated password when storage is postgres", () => {
      const plan = stackPlan("lab", { authelia: { users: { a: { displayname: "A", email: "a@x.io" } }, storage: "postgres" } });
      const db = container(plan, "lab-authelia-db");
      assert.equal(db.role, "database");
      assert.deepEqual(db.networks, ["lab-vnet-authelia"]);
      assert.deepEqual(db.secretEnv.POSTGRES_PASSWORD, SecretEnvRef.secret("authelia-db-password"));
      const doc = autheliaConfig(plan);
      assert.equal(doc.storage.postgres.address, "tcp://lab-authelia-db:5432");
      assert.equal(mainOf(plan, "authelia").env.AUTHELIA_STORAGE_POSTGRES_PASSWORD_FILE, "/secrets/authelia-db-password");
    });

    it("sends mail through SMTP with a secret password and enables Duo", () => {
      const plan = stackPlan("lab", {
        authelia: {
          users: { a: { displayname: "A", email: "a@x.io", password: secret("pw") } },
          smtp: { host: "smtp.x.io", port: 465, username: "u", sender: "auth@x.io", password: secret("smtp") },
          duo: { hostname: "api-1.duosecurity.com", integrationKey: "IK", secretKey: secret("duo") },
        },
      });
      const doc = autheliaConfig(plan);
      assert.deepEqual(doc.notifier, { smtp: { address: "submissions://smtp.x.io:465", username: "u", sender: "auth@x.io" } });
      assert.equal(doc.authentication_backend.password_reset.disable, false);
      assert.deepEqual(doc.duo_api, { hostname: "api-1.duosecurity.com", integration_key: "IK" });
      const names = plan.secrets!.map((s) => `${s.name}:${s.source}`);
      for (const n of ["authelia-smtp-password:config", "authelia-duo-secret-key:config", "authelia-user-a:config"]) assert.ok(names.includes(n), n);
      assert.deepEqual(plan.authelia!.generatedPasswords, {});
      assert.equal(parse(file(mainOf(plan, "authelia"), "/config/users_database.yml")).users.a.password, secretRef("authelia-user-a", "argon2id"));
      assert.doesNotMatch(JSON.stringify(plan), /"(pw|smtp|duo)"/, "secret values never in the plan JSON");
    });
  });

  it("creates an admin with a generated password when no Authelia user is configured", () => {
    const plan = stackPlan("lab", { authelia: undefined });
    assert.deepEqual(plan.authelia!.users, ["admin"]);
    assert.deepEqual(plan.authelia!.generatedPasswords, { admin: "authelia-user-admin" });
    const users = parse(file(mainOf(plan, "authelia"), "/config/users_database.yml")).users;
    assert.equal(users.admin.email, "admin@lab.example.com");
  });
});

describe("Portainer's admin password guards its database: a data key (topology/plan.ts holdDataKeys)", () => {
  const portainer = (extra: Record<string, unknown> = {}) =>
    buildPlan(minimalConfig({ services: { portainer: {} }, socketProxy: { allowWrite: true }, ...extra }));
  const held = { keys: { "portainer-admin-password": secret("chosen-by-the-owner-long-enough") } };

  it("is read from homelab:keys once held, with the generator it came from, and the file still names it", () => {
    const result = portainer(held);
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(
      result.plan.secrets!.find((s) => s.name === "portainer-admin-password"),
      {
        name: "portainer-admin-password",
        source: "config",
        path: "homelab:keys.portainer-admin-password",
        value: held.keys["portainer-admin-password"],
        purpose: "portainer's first administrator's password",
        heldFrom: { length: 32, format: undefined },
      },
    );
    assert.equal(file(mainOf(result.plan, "portainer"), "/secrets/portainer-admin-password"), secretRef("portainer-admin-password"));
  });

  it("stays held, with a warning, after Portainer is removed (its database may still be on disk)", () => {
    const result = buildPlan(minimalConfig({ services: { sonarr: {} }, ...held }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.ok(
      result.warnings.some((w) => w.startsWith("homelab:keys.portainer-admin-password: no service of this stack uses this key any more")),
      result.warnings.join("\n"),
    );
  });
});

describe("Homarr's encryption key guards its stored integration secrets: a data key (catalog guardsData)", () => {
  const key = "homarr-secret-encryption-key";
  const held = { keys: { [key]: secret("a".repeat(64)) } };

  it("is generated as a marked data key, and read from homelab:keys once held (hex, 64)", () => {
    const fresh = buildPlan(minimalConfig({ services: { homarr: {} } }));
    assert.ok(fresh.ok, JSON.stringify(!fresh.ok && fresh.errors));
    assert.deepEqual(
      fresh.plan.secrets!.find((s) => s.name === key),
      { name: key, source: "generated", length: 64, purpose: "Homarr's encryption key for stored integration secrets", format: "hex", guardsData: true },
    );
    const result = buildPlan(minimalConfig({ services: { homarr: {} }, ...held }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.deepEqual(
      result.plan.secrets!.find((s) => s.name === key),
      {
        name: key,
        source: "config",
        path: `homelab:keys.${key}`,
        value: held.keys[key],
        purpose: "Homarr's encryption key for stored integration secrets",
        heldFrom: { length: 64, format: "hex" },
      },
    );
    assert.deepEqual(mainOf(result.plan, "homarr").secretEnv.SECRET_ENCRYPTION_KEY, SecretEnvRef.secret(key));
  });

  it("stays held, with a warning, after Homarr is removed; an API key (no data behind it) is not a data key", () => {
    const result = buildPlan(minimalConfig({ services: { sonarr: {} }, ...held }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.ok(
      result.warnings.some((w) => w.startsWith(`homelab:keys.${key}: no service of this stack uses this key any more`)),
      result.warnings.join("\n"),
    );
    const apiKey = buildPlan(minimalConfig({ services: { sonarr: {} }, keys: { "sonarr-api-key": secret("x".repeat(32)) } }));
    assert.ok(
      !apiKey.ok &&
        apiKey.errors.some((e) => e.path === "homelab:keys.sonarr-api-key" && e.message.startsWith("this stack has no data-guarding key of that name")),
      JSON.stringify(!apiKey.ok && apiKey.errors),
    );
  });
});
