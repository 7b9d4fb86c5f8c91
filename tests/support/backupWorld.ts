// A throw-away world for the backup tests on the real engine: a stack planned with homelab:backup, its
// service's config folder on disk, and two real containers named as the plan names them — the app (the
// local busybox image) and its PostgreSQL, Debian's server run from the same image with the host's
// /usr mounted read-only (no registry here), its data folder where the plan puts it.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BackupContext } from "../../cli/backup/commands";
import { SecretValue } from "../../config/secret";
import type { BackupPlan, BackupTarget } from "../../topology/types";
import { buildPlan } from "../../topology/plan";

export const IMAGE = process.env.HOMELAB_TEST_IMAGE ?? "homelab-test/busybox:local";
export const REQUIRE = process.env.HOMELAB_REQUIRE_DOCKER === "1" || process.env.HOMELAB_REQUIRE_RESTIC === "1";

const which = (bin: string) => ["/usr/bin", "/usr/local/bin", "/bin"].some((d) => fs.existsSync(path.join(d, bin)));
/** Debian's PostgreSQL server binaries (postgresql-15 and later). */
export function postgresBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  const version = fs.existsSync(root) ? fs.readdirSync(root).sort().at(-1) : undefined;
  return version && fs.existsSync(path.join(root, version, "bin", "postgres")) ? path.join(root, version, "bin") : undefined;
}

/** Why the suite cannot run here, or undefined. */
export function missing(): string | undefined {
  if (!which("restic")) return "restic is not installed (apt-get install -y restic)";
  if (!postgresBin()) return "Debian's PostgreSQL server is not installed (apt-get install -y postgresql)";
  try {
    execFileSync("docker", ["image", "inspect", IMAGE], { stdio: "ignore", timeout: 15000 });
  } catch {
    return `no Docker engine or no ${IMAGE} (run .ci/engine-setup.sh)`;
  }
  return undefined;
}

export const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", timeout: 60000 }).trim();

export interface World {
  root: string;
  prefix: string;
  backup: BackupPlan;
  target: BackupTarget;
  app: string;
  db: string;
  ctx: (password?: string, out?: string[]) => BackupContext;
  sql: (query: string) => string;
}

export const PASSWORD = "correct horse battery staple";

export function planWorld(root: string, prefix: string, repository: string, schedule?: string) {
  const result = buildPlan({
    domain: "backup.example.test",
    paths: { config: path.join(root, "config"), data: path.join(root, "data") },
    network: { prefix, ingress: "10.250.0.0/24", socket: "10.251.0.0/24", pool: "10.252.0.0/20" },
    services: { immich: {}, whoami: { image: "traefik/whoami:v1.11.0", port: 80 } },
    backup: { repository, keep: { daily: 1, weekly: 0, monthly: 0 }, exclude: ["*.tmp"], ...(schedule ? { schedule } : {}) },
    backupCredentials: { password: new SecretValue(PASSWORD) },
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.plan;
}

/** Starts the world's two containers; the database is ready (and its `immich` database exists) on return. */
export async function startWorld(): Promise<World> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-backup-"));
  const prefix = `bk${randomInt(1e6)}-`;
  const plan = planWorld(root, prefix, path.join(root, "repo"));
  const backup = plan.backup!;
  const target = backup.targets.find((t) => t.service === "immich")!;
  const [app, db] = [`${prefix}immich`, `${prefix}immich-db`];
  const dataDir = target.liveDataDirs[0];
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pgUser = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
  const pgGroup = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
  fs.chownSync(dataDir, pgUser, pgGroup);
  const bin = postgresBin()!;
  docker(
    "run",
    "-d",
    "--name",
    app,
    "--network",
    "none",
    "-v",
    `${target.configDir}:/config`,
    IMAGE,
    "sh",
    "-c",
    "trap 'exit 0' TERM; while :; do sleep 1; done",
  );
  // Debian's server, as the postgres user, on its own socket only (no TCP), trust on that socket as in the
  // official image, whose entrypoint only adds a `host` rule (docker-library/postgres docker-entrypoint.sh pg_setup_hba_conf).
  docker(
    "run",
    "-d",
    "--name",
    db,
    "--network",
    "none",
    "--user",
    `${pgUser}:${pgGroup}`,
    "-v",
    "/usr:/usr:ro",
    "-v",
    "/lib:/lib:ro",
    "-v",
    "/lib64:/lib64:ro",
    "-v",
    "/etc/passwd:/etc/passwd:ro",
    "-v",
    "/etc/group:/etc/group:ro",
    "-v",
    `${dataDir}:/var/lib/postgresql/data`,
    "-e",
    `PATH=${bin}:/bin`,
    "-e",
    "PGHOST=/tmp",
    IMAGE,
    "sh",
    "-c",
    "[ -s /var/lib/postgresql/data/PG_VERSION ] || initdb -D /var/lib/postgresql/data -U immich --auth=trust >/dev/null; exec postgres -D /var/lib/postgresql/data -k /tmp -c listen_addresses=",
  );
  const sql = (query: string) => docker("exec", db, "psql", "-U", "immich", "-d", "immich", "-At", "-c", query);
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      docker("exec", db, "pg_isready", "-q", "-U", "immich", "-d", "postgres");
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  docker("exec", db, "createdb", "-U", "immich", "immich");
  const ctx = (password = PASSWORD, out: string[] = []): BackupContext => ({
    stack: "test",
    backup,
    repo: { url: backup.repository, env: { RESTIC_PASSWORD: password } },
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
  return { root, prefix, backup, target, app, db, ctx, sql };
}

export function stopWorld(world: World | undefined): void {
  if (!world) return;
  for (const c of [world.app, world.db]) {
    try {
      docker("rm", "-f", c);
    } catch {
      // already gone
    }
  }
  fs.rmSync(world.root, { recursive: true, force: true });
}

/** Every file under `dir` (relative path → sha256), to compare trees byte for byte. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash("sha256").update(fs.readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

export function writeConfigTree(dir: string, files: number, bytesEach: number): void {
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${i % 10}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `f${i}.bin`), randomBytes(bytesEach));
  }
}
