import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { loadCompose } from "../../../cli/import/compose";
import { runImport } from "../../../cli/import";
import { parseEnvFile } from "../../../cli/import/interpolate";
import { mapCompose } from "../../../cli/import/mapping";
import { isSecretName } from "../../../cli/import/secrets";
import { readStackConfig } from "../../../config/load";
import { buildPlan } from "../../../topology/plan";

const FIXTURES = path.join(__dirname, "fixtures");

/** Compose files written for these tests in the shape of MediaStack's three variants and an Omakase-style Traefik setup. */
const VARIANTS = [
  { name: "full-vpn", args: [], vpnMode: "full", proxy: "swag" },
  { name: "minimal-vpn", args: ["--domain", "media.example.com"], vpnMode: "minimal", proxy: "traefik" },
  { name: "no-vpn", args: [], vpnMode: undefined, proxy: "traefik" },
  { name: "omakase", args: [], vpnMode: undefined, proxy: "traefik" },
] as const;

function runIn(dir: string, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runImport(argv, { out: (s) => out.push(s), err: (s) => err.push(s) }, dir, {});
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** What `sh Pulumi.<stack>.secrets.sh` does to the stack file: each value stored encrypted at its path. */
function applySecretScript(dir: string, stack: string): number {
  const script = fs.readFileSync(path.join(dir, `Pulumi.${stack}.secrets.sh`), "utf8");
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  const commands = script.split("\n").filter((l) => l.startsWith("pulumi config set --secret --path"));
  for (const line of commands) {
    const [, key] = /'homelab:([^']+)' -- '/.exec(line)!;
    const [top, ...rest] = key.split(".");
    doc.setIn(["config", `homelab:${top}`, ...rest], { secure: "v1:encrypted-by-pulumi" });
  }
  fs.writeFileSync(file, doc.toString());
  return commands.length;
}

describe("homelab import", function () {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-import-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const v of VARIANTS) {
    describe(v.name, () => {
      const compose = path.join(FIXTURES, v.name, "compose.yaml");
      const envFile = path.join(FIXTURES, v.name, ".env");

      it("accounts for every compose service in exactly one group of the report", () => {
        const env = parseEnvFile(fs.readFileSync(envFile, "utf8"));
        const { services } = loadCompose([compose], (n) => env.get(n)?.value);
        const { report } = mapCompose(services, { domain: v.args[1] });
        const placed = [...report.catalog, ...report.provided, ...report.custom].map((l) => l.service);
        for (const s of services) assert.ok(placed.includes(s.name), `${s.name} is not in the report`);
        assert.equal(new Set(placed).size, services.length, "a service is in two groups");
      });

      it("writes a stack that plans and passes the policy once the printed secrets are set", () => {
        const r = runIn(dir, [compose, "--stack", "imported", ...v.args]);
        assert.equal(r.code, 0, r.err);
        const raw = readStackConfig(dir, "imported") as Record<string, { mode?: string }>;
        assert.equal(raw.vpn?.mode, v.vpnMode);
        assert.equal(raw.proxy, v.proxy);
        const secrets = fs.existsSync(path.join(dir, "Pulumi.imported.secrets.sh")) ? applySecretScript(dir, "imported") : 0;
        const plan = buildPlan(readStackConfig(dir, "imported"));
        assert.ok(plan.ok, plan.ok ? "" : plan.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
        assert.match(r.out, /policy passed/);
        assert.equal((r.out.match(/^ {2}pulumi config set --secret/gm) ?? []).length, secrets);
      });

      it("keeps every secret value of the env file out of the stack file and the printed output", () => {
        const r = runIn(dir, [compose, "--stack", "imported", ...v.args]);
        assert.equal(r.code, 0, r.err);
        const stackText = fs.readFileSync(path.join(dir, "Pulumi.imported.yaml"), "utf8");
        const secretValues = [...parseEnvFile(fs.readFileSync(envFile, "utf8"))].filter(([k]) => isSecretName(k)).map(([, e]) => e.value);
        assert.ok(secretValues.length > 0, "the fixture has secrets to look for");
        for (const value of secretValues) {
          assert.ok(!stackText.includes(value), `${value} is in the stack file`);
          assert.ok(!r.out.includes(value) && !r.err.includes(value), `${value} was printed`);
        }
        const script = path.join(dir, "Pulumi.imported.secrets.sh");
        if (fs.existsSync(script)) assert.equal(fs.statSync(script).mode & 0o777, 0o600);
      });
    });
  }

  it("routes through Gluetun what compose routed: full mode with per-service exceptions, minimal with the extra ones", () => {
    runIn(dir, [path.join(FIXTURES, "full-vpn", "compose.yaml"), "--stack", "full"]);
    const full = readStackConfig(dir, "full") as { services: Record<string, { vpn?: boolean }>; vpn: Record<string, unknown> };
    assert.deepEqual(full.vpn, { provider: "mullvad", type: "wireguard", countries: ["Netherlands", "Sweden"], mode: "full" });
    assert.equal(full.services.jellyfin.vpn, false, "jellyfin was not behind Gluetun");
    assert.equal(full.services.sonarr.vpn, undefined, "full mode routes sonarr by itself");
    runIn(dir, [path.join(FIXTURES, "minimal-vpn", "compose.yaml"), "--stack", "minimal", "--domain", "media.example.com"]);
    const minimal = readStackConfig(dir, "minimal") as { services: Record<string, { vpn?: boolean }>; vpn: Record<string, unknown> };
    assert.deepEqual(minimal.vpn, { provider: "private internet access", type: "openvpn", portForwarding: true, mode: "minimal" });
    assert.deepEqual(
      Object.entries(minimal.services).filter(([, s]) => s.vpn !== undefined),
      [],
    );
  });

  it("carries ids, paths, proxy settings and the Cloudflare account over", () => {
    runIn(dir, [path.join(FIXTURES, "no-vpn", "compose.yaml"), "--stack", "s"]);
    const s = readStackConfig(dir, "s") as Record<string, unknown>;
    assert.deepEqual(
      [s.domain, s.timezone, s.puid, s.pgid, s.paths],
      ["home.example.net", "America/New_York", 1000, 1000, { config: "/opt/stack/data", data: "/opt/stack/media" }],
    );
    assert.deepEqual((s.services as Record<string, unknown>).jellyfin, { subdomain: "watch", image: "jellyfin/jellyfin:10.11.2" });
    assert.deepEqual(
      (s.services as Record<string, { env?: unknown }>).wiki.env,
      { DB_HOST: "wiki-db", SITE_TITLE: "Our $HOME wiki", SITE_LANG: "en" },
      "$$ is a literal $, a bare key comes from the env file, secrets stay out",
    );
    assert.deepEqual(s.links, { wiki: { services: ["wiki", "wiki-db"] } }, "wiki reached wiki-db by name (DB_HOST) on the compose network");
    runIn(dir, [path.join(FIXTURES, "omakase", "compose.yaml"), "--stack", "o"]);
    const o = readStackConfig(dir, "o") as Record<string, unknown>;
    assert.deepEqual(o.cloudflare, { enabled: false, accountId: "0123456789abcdef0123456789abcdef" });
    assert.deepEqual(o.acme, { email: "admin@example.com" });
  });

  it("runs as `homelab import` and is listed in the usage", () => {
    const bin = path.join(__dirname, "..", "..", "..", "bin", "homelab");
    const compose = path.join(FIXTURES, "omakase", "compose.yaml");
    const r = spawnSync(bin, ["import", compose, "--stack", "cli"], { env: { ...process.env, HOMELAB_PROJECT_DIR: dir }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Imported 9 compose service\(s\) into Pulumi\.cli\.yaml\./);
    assert.ok(fs.existsSync(path.join(dir, "Pulumi.cli.yaml")));
    const usage = spawnSync(bin, ["import"], { env: { ...process.env, HOMELAB_PROJECT_DIR: dir }, encoding: "utf8" });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /give at least one compose file\nusage: homelab import/);
  });

  it("reports what is dropped with the reason and its compose line", () => {
    const compose = path.join(FIXTURES, "no-vpn", "compose.yaml");
    const r = runIn(dir, [compose, "--stack", "d"]);
    const dropped = r.out.slice(r.out.indexOf("\ndropped ("), r.out.indexOf("\nwhat changes for you:"));
    assert.match(dropped, /wiki-db +privileged: true +\[.*no-vpn\/compose\.yaml:50\]/);
    assert.match(
      dropped,
      /traefik +volume \/var\/run\/docker\.sock:\/var\/run\/docker\.sock: only the socket proxy mounts the Docker socket.*compose\.yaml:13\]/,
    );
    assert.match(dropped, /qbittorrent +host port 6881:6881: homelab publishes only the proxy's 80\/443/);
    const omakase = runIn(dir, [path.join(FIXTURES, "omakase", "compose.yaml"), "--stack", "o"]);
    assert.match(omakase.out, /uptime-kuma +volume \/srv\/appdata\/uptime-kuma:\/app\/data: homelab mounts <paths\.config>\/uptime-kuma at \/config/);
    assert.match(omakase.out, /authelia +env AUTHELIA_IDENTITY_VALIDATION_RESET_PASSWORD_JWT_SECRET: homelab generates authelia's settings and secrets/);
  });

  it("leaves out and reports what the schema refuses or cannot hold as a secret, and the rest still plans", () => {
    const compose = path.join(dir, "odd.yaml");
    fs.writeFileSync(
      compose,
      [
        "services:",
        "  sonarr:",
        "    image: lscr.io/linuxserver/sonarr:4.0.15",
        "    environment: [TZ=UTC+2, PUID=1000, SONARR__AUTH__APIKEY=abc123secret]",
        "    volumes: [/etc/sonarr:/config]",
      ].join("\n"),
    );
    const { services } = loadCompose([compose], () => undefined);
    const result = mapCompose(services, { domain: "odd.example.com" });
    const dropped = result.report.dropped.map((d) => d.text).join("\n");
    assert.match(dropped, /homelab:timezone must be an IANA time zone.*: not carried/);
    assert.match(dropped, /homelab:paths\.config must not be the host root, a system folder/);
    // Service env takes secrets (issue 13): the API key is carried, as a secret command, never in the stack file.
    assert.doesNotMatch(dropped, /SONARR__AUTH__APIKEY/);
    assert.deepEqual(
      [result.config.timezone, result.config.paths, result.secrets.map((x) => x.path.join("."))],
      [undefined, undefined, ["services.sonarr.env.SONARR__AUTH__APIKEY"]],
    );
    assert.ok(!JSON.stringify(result.config).includes("abc123secret"));
    assert.ok(buildPlan(result.config).ok);
  });

  it("a second instance of a catalog app and an unpinned image under a catalog name stay honest in the report", () => {
    const compose = path.join(dir, "twice.yaml");
    fs.writeFileSync(
      compose,
      [
        "services:",
        "  sonarr:",
        "    image: linuxserver/sonarr:4.0.15",
        "  sonarr_4k:",
        "    image: lscr.io/linuxserver/sonarr:4.0.15",
        "    ports: ['8990:8989']",
        "  jellyfin:",
        "    image: jellyfin/jellyfin",
      ].join("\n"),
    );
    const result = mapCompose(loadCompose([compose], () => undefined).services, { domain: "twice.example.com" });
    assert.deepEqual(result.config.services, { sonarr: {}, "sonarr-4k": { port: 8989, image: "lscr.io/linuxserver/sonarr:4.0.15" }, jellyfin: {} });
    assert.match(result.report.custom.map((l) => l.text).join(), /sonarr-4k \(was sonarr_4k\)/);
    assert.match(
      result.report.catalog.map((l) => l.text).join(),
      /your image jellyfin\/jellyfin is not pinned: the catalog's lscr\.io\/linuxserver\/jellyfin:/,
    );
    assert.ok(buildPlan(result.config).ok);
  });

  it("refuses to overwrite an existing stack file unless --force", () => {
    const compose = path.join(FIXTURES, "omakase", "compose.yaml");
    assert.equal(runIn(dir, [compose, "--stack", "x"]).code, 0);
    fs.writeFileSync(path.join(dir, "Pulumi.x.yaml"), "config: {}\n");
    const again = runIn(dir, [compose, "--stack", "x"]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exist.*--force/);
    assert.equal(fs.readFileSync(path.join(dir, "Pulumi.x.yaml"), "utf8"), "config: {}\n");
    assert.equal(runIn(dir, [compose, "--stack", "x", "--force"]).code, 0);
    assert.match(fs.readFileSync(path.join(dir, "Pulumi.x.yaml"), "utf8"), /homelab:domain: lab\.example\.com/);
  });

  describe("bad input: one clear line, nothing written", () => {
    const bad = (f: string) => path.join(FIXTURES, "bad", f);
    const cases: [string, string[], RegExp][] = [
      ["a file that is not YAML", [bad("not-yaml.yaml")], /not-yaml\.yaml is not valid YAML/],
      ["YAML that is not compose", [bad("no-services.yaml")], /no-services\.yaml is not a compose file: it has no 'services' mapping/],
      ["a service with build: only", [bad("build-only.yaml")], /build-only\.yaml:3: service 'app' has only build:/],
      [
        "a required variable that is unset (${VAR:?err}: Compose stops too)",
        [bad("required-variable.yaml")],
        /required-variable\.yaml:3: required variable APP_VERSION is missing a value: set APP_VERSION in \.env/,
      ],
      ["an env file that does not exist", [bad("unset-variable.yaml"), "--env-file", bad("missing.env")], /cannot read env file .*missing\.env: ENOENT/],
      ["an env file that is a folder", [bad("unset-variable.yaml"), "--env-file", FIXTURES], /cannot read env file .*fixtures: EISDIR/],
      ["a compose file that does not exist", [bad("nothing-here.yaml")], /cannot read .*nothing-here\.yaml: ENOENT/],
    ];
    for (const [what, files, message] of cases) {
      it(what, () => {
        const r = runIn(dir, [...files, "--stack", "bad", "--domain", "x.example.com"]);
        assert.equal(r.code, 1);
        assert.equal(r.err.split("\n").length, 1, r.err);
        assert.match(r.err, message);
        assert.deepEqual(fs.readdirSync(dir), []);
      });
    }

    it("an unset ${VAR} without a default: Compose warns and substitutes an empty string, and so does import", () => {
      const r = runIn(dir, [bad("unset-variable.yaml"), "--stack", "warned"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /unset-variable\.yaml:3: the "SUFFIX" variable is not set; Compose substitutes an empty string/);
      assert.match(fs.readFileSync(path.join(dir, "Pulumi.warned.yaml"), "utf8"), /image: ghcr\.io\/example\/app:1\.0\.0\b/);
    });
  });
});
