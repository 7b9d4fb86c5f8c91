import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../cli/main";
import type { Plan } from "../../topology/types";
import { container } from "../support/plans";
import { byType, CONTAINER, NETWORK, PROJECT_DIR, recordProgram } from "../support/program";

const BIN = path.join(PROJECT_DIR, "bin", "homelab");

function homelab(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** main() in this process, its output collected. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += `${s}\n`), err: (s) => (err += `${s}\n`) });
  return { code, out, err };
}

describe("homelab CLI (offline commands)", function () {
  it("plan home prints networks, containers and routes", async () => {
    const r = await homelab(["plan", "home"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Stack home: \d+ services, \d+ containers, \d+ networks, proxy traefik/);
    assert.match(r.stdout, /vnet-immich\s+192\.168\.20\.32\/29\s+6\s+pinned\s+immich, immich-ml, immich-db, immich-redis/);
    assert.match(r.stdout, /https:\/\/photos\.home\.example\.com\s+immich:2283/);
  });

  it("plan lab --json has the documented shape", async () => {
    const r = await homelab(["plan", "lab", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout);
    for (const n of plan.networks) {
      assert.ok(["ingress", "socket", "service", "link"].includes(n.kind));
      assert.match(n.subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
      if (n.kind === "service") assert.equal(typeof n.service, "string");
    }
    for (const c of plan.containers) {
      for (const key of ["name", "service", "image", "role", "networks", "mounts", "env"]) assert.ok(key in c, `${c.name} lacks ${key}`);
      assert.ok(["web", "database", "cache", "monitoring", "socket-proxy", "proxy", "auth", "ips", "vpn-gateway", "tunnel", "worker"].includes(c.role));
    }
    assert.ok(Array.isArray(plan.routes) && plan.routes.every((rt: object) => "host" in rt && "upstream" in rt && "auth" in rt));
  });

  it("plan --json and network agree with what the program registers under mocks", async () => {
    const [json, table, run] = await Promise.all([homelab(["plan", "home", "--json"]), homelab(["network", "home"]), recordProgram("home")]);
    const plan = JSON.parse(json.stdout);
    const registeredNets = byType(run, NETWORK)
      .map((n) => `${n.inputs.name} ${n.inputs.ipamConfigs[0].subnet}`)
      .sort();
    assert.deepEqual(plan.networks.map((n: { name: string; subnet: string }) => `${n.name} ${n.subnet}`).sort(), registeredNets);
    const tableNets = table.stdout
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(/\s+/).slice(0, 2).join(" "))
      .sort();
    assert.deepEqual(tableNets, registeredNets);
    const registered = byType(run, CONTAINER)
      .map((c) => `${c.inputs.name} ${(c.inputs.networksAdvanced ?? []).map((n: { name: string }) => n.name).join(",")}`)
      .sort();
    assert.deepEqual(plan.containers.map((c: { name: string; networks: string[] }) => `${c.name} ${c.networks.join(",")}`).sort(), registered);
  });

  it("network home prints the allocation table with usable hosts and members", async () => {
    const r = await homelab(["network", "home"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0], /^NETWORK\s+SUBNET\s+HOSTS\s+ORIGIN\s+MEMBERS$/);
    assert.match(r.stdout, /vnet-ingress\s+192\.168\.90\.0\/24\s+254\s+shared/);
    assert.match(r.stdout, /vnet-socket\s+192\.168\.91\.0\/24\s+254\s+shared\s+cetusguard, dozzle, homepage, portainer, traefik/);
  });

  describe("with a scratch project", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-cli-"));
      fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** A stack file in the scratch project: `config:` and the given lines. */
    const writeStack = (stack: string, lines: string[]) => fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), ["config:", ...lines].join("\n"));

    it("lists every config error at once and exits 1", async () => {
      writeStack("bad", [
        "  homelab:domain: home example",
        "  homelab:lan: 192.168.1.0/24",
        "  homelab:services:",
        "    jellyfin: { subnet: 192.168.1.0/29 }",
        "    myapp: { port: 3000 }",
        "    sonarr: { subnet: 192.168.20.0/30 }",
      ]);
      const r = await homelab(["plan", "bad"], { HOMELAB_PROJECT_DIR: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^homelab: stack bad has 1 configuration error:\n  homelab:domain: must be a lower-case DNS domain/m);
      fs.writeFileSync(
        path.join(dir, "Pulumi.bad.yaml"),
        fs.readFileSync(path.join(dir, "Pulumi.bad.yaml"), "utf8").replace("home example", "home.example.com"),
      );
      const r2 = await homelab(["plan", "bad"], { HOMELAB_PROJECT_DIR: dir });
      assert.equal(r2.code, 1);
      assert.match(r2.stderr, /has 3 configuration errors/);
      assert.match(r2.stderr, /homelab:services\.jellyfin\.subnet: 192\.168\.1\.0\/29 overlaps the LAN/);
      assert.match(r2.stderr, /homelab:services\.myapp: unknown service 'myapp'/);
      assert.match(r2.stderr, /homelab:services\.sonarr\.subnet: \/30 is too small/);
    });

    it("plan shows which middlewares each route gets", async () => {
      writeStack("mw", [
        "  homelab:domain: mw.example.com",
        "  homelab:lan: 192.168.1.0/24",
        "  homelab:crowdsec: { appsec: true }",
        "  homelab:services:",
        "    jellyfin: { middlewares: { compression: false } }",
        "    sonarr: { middlewares: { rateLimit: true, lanOnly: true } }",
      ]);
      const r = await homelab(["plan", "mw"], { HOMELAB_PROJECT_DIR: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /HOST\s+UPSTREAM\s+AUTH\s+EXPOSE\s+MIDDLEWARES/);
      assert.match(r.stdout, /https:\/\/sonarr\.mw\.example\.com .*lan-only, appsec, rate-limit 100\/s burst 50, secure-headers, compress$/m);
      assert.match(r.stdout, /https:\/\/jellyfin\.mw\.example\.com .* appsec, secure-headers$/m);
    });

    it("refuses an unknown stack in one line naming the known ones", async () => {
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  homelab:domain: dev.example.com\n");
      const r = await homelab(["plan", "nope"], { HOMELAB_PROJECT_DIR: dir });
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), "homelab: no stack file Pulumi.nope.yaml (known stacks: dev)");
    });

    it("network pin locks the allocated subnets into the stack file, keeping its comments, and is idempotent", async () => {
      const file = path.join(dir, "Pulumi.dev.yaml");
      fs.writeFileSync(file, "# my dev stack\nconfig:\n  homelab:domain: dev.example.com\n  homelab:services:\n    jellyfin: {}\n");
      const r = await homelab(["network", "pin", "dev"], { HOMELAB_PROJECT_DIR: dir });
      assert.equal(r.code, 0, r.stderr);
      // Authelia too: Traefik's dashboard route asks for two_factor.
      assert.match(r.stdout, /pinned 4 subnet\(s\) in Pulumi\.dev\.yaml: vnet-authelia, vnet-crowdsec, vnet-jellyfin, vnet-traefik/);
      const text = fs.readFileSync(file, "utf8");
      assert.match(text, /^# my dev stack/);
      assert.match(
        text,
        /homelab:allocations:\n {4}vnet-authelia: 192\.168\.\d+\.\d+\/29\n {4}vnet-crowdsec: 192\.168\.\d+\.\d+\/29\n {4}vnet-jellyfin: 192\.168\.\d+\.\d+\/29\n {4}vnet-traefik: /,
      );
      const again = await homelab(["network", "pin", "dev"], { HOMELAB_PROJECT_DIR: dir });
      assert.match(again.stdout, /every subnet is already pinned/);
      assert.equal(fs.readFileSync(file, "utf8"), text);
      const plan = await homelab(["network", "dev"], { HOMELAB_PROJECT_DIR: dir });
      assert.match(plan.stdout, /vnet-jellyfin\s+\S+\s+6\s+locked/);
    });
  });

  it("up writes no lock when it stops before applying (here: no --yes, no terminal)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-cli-"));
    try {
      fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const stackFile = "config:\n  homelab:domain: dev.example.com\n  homelab:services:\n    sonarr: {}\n";
      fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackFile);
      const r = await homelab(["up", "dev"], { HOMELAB_PROJECT_DIR: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /'up' changes your homelab and needs confirmation: re-run with --yes/);
      assert.doesNotMatch(r.stderr, /locked/);
      assert.equal(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"), stackFile);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("unknown commands and missing stack names exit 2 with usage", async () => {
    assert.equal((await homelab(["frobnicate", "lab"])).code, 2);
    const r = await homelab(["plan"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /'plan' needs a stack name/);
  });
});

describe("homelab plan --json with the host stack", function () {
  it("arrives whole through a pipe read only after the CLI is done, though larger than the 64 KiB pipe buffer", async () => {
    // The reader sleeps first, so the pipe is full when the CLI exits: it must wait for the rest to drain.
    const text = await new Promise<string>((resolve, reject) =>
      execFile("sh", ["-c", `"${BIN}" plan home --json 2>/dev/null | (sleep 1; cat)`], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    assert.ok(text.length > 65536, `only ${text.length} bytes arrived`);
    const plan = JSON.parse(text);
    assert.ok(plan.authelia && plan.socketProxy && plan.secrets.length > 0);
  });
});

describe("remote access: homelab plan", () => {
  it("plan home --json has tunnel ingress, DNS records and Access applications", async () => {
    const { code, out } = await run("plan", "home", "--json");
    assert.equal(code, 0);
    const plan = JSON.parse(out);
    assert.deepEqual(
      plan.tunnel.ingress.map((r: { hostname?: string; service: string }) => [r.hostname, r.service]),
      [
        ["auth.home.example.com", "https://traefik:443"], // the portal follows the protected routes onto the tunnel
        ["home.home.example.com", "https://traefik:443"],
        ["photos.home.example.com", "https://traefik:443"],
        ["requests.home.example.com", "https://traefik:443"],
        [undefined, "http_status:404"],
      ],
    );
    for (const r of plan.dns) assert.deepEqual([r.type, r.content], ["CNAME", "<tunnel-id>.cfargotunnel.com"]);
    assert.deepEqual(
      plan.dns.map((r: { name: string }) => r.name),
      ["auth.home.example.com", "home.home.example.com", "photos.home.example.com", "requests.home.example.com"],
    );
    assert.deepEqual(
      plan.access.map((a: { domain: string; policies: string[] }) => [a.domain, a.policies]),
      [
        ["auth.home.example.com", ["allow"]],
        ["home.home.example.com", ["allow"]],
        ["requests.home.example.com", ["allow"]],
      ],
    );
  });

  it("plan lab --json has no remote-access sections", async () => {
    const plan = JSON.parse((await run("plan", "lab", "--json")).out);
    assert.equal(plan.tunnel, undefined);
    assert.equal(plan.dns, undefined);
    assert.equal(plan.access, undefined);
  });

  it("plan home prints the public URLs and what guards each", async () => {
    const { out } = await run("plan", "home");
    assert.match(out, /Tunnel homelab \(catch-all http_status:404\)/);
    assert.match(out, /^HTTPS: the stack's own CA, wildcard certificate for home\.example\.com \(trust it on your devices: homelab ca home\)$/m);
    assert.match(out, /https:\/\/requests\.home\.example\.com\s+yes\s+two_factor\s+https:\/\/traefik:443/);
    assert.match(out, /https:\/\/photos\.home\.example\.com\s+no\s+one_factor\s+https:\/\/traefik:443/);
  });
});

describe("vpn: homelab plan --json", () => {
  it("shows networkMode on routed containers and the routed-service list on Gluetun", async () => {
    let out = "";
    const code = await main(["plan", "home", "--json"], { out: (s) => (out += s), err: () => undefined });
    assert.equal(code, 0);
    const plan = JSON.parse(out) as Plan;
    assert.equal(container(plan, "qbittorrent").networkMode, "container:gluetun");
    assert.deepEqual(
      container(plan, "gluetun").vpnClients!.map((c) => c.service),
      ["qbittorrent"],
    );
    assert.ok(!out.includes("v1:"), "no ciphertext in the plan");
  });
});
