// The dump companion's login on the real engine: the plan's `backup-dump` container (its own script, env and
// secret env) logs into Debian's PostgreSQL over TCP on the database's service network, with the same
// generated password the database container gets, and writes the dump the restic container then backs up.
// PostgreSQL is set up as the official image sets it up: the superuser's password from POSTGRES_PASSWORD,
// and `host all all all scram-sha-256` for every TCP client (docker-library/postgres docker-entrypoint.sh,
// docker_setup_db / pg_setup_hba_conf; scram-sha-256 is the default from PostgreSQL 14). The images come
// from no registry here: busybox (the local test image) with the host's /usr, /lib read-only for Debian's
// postgres and pg_dump, as tests/support/backupWorld.ts does.
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretEnvRef } from "../../config/secret";
import { docker, IMAGE, missing, planWorld, postgresBin, REQUIRE } from "../support/backupWorld";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Shaped like the stack's generated database password (RandomPassword, special: false). */
const generatedPassword = (length: number) => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join("");
const HOST_BINARIES = ["/usr:/usr:ro", "/lib:/lib:ro", "/lib64:/lib64:ro", "/etc/passwd:/etc/passwd:ro", "/etc/group:/etc/group:ro"].flatMap((v) => ["-v", v]);
/** A container's output, stdout and stderr (pg_dump reports on stderr, which `docker logs` replays on its own stderr). */
const logsOf = (container: string) => {
  const r = spawnSync("docker", ["logs", container], { encoding: "utf8", timeout: 15_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`;
};
const envArgs = (env: Record<string, string>) => Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);

/** Polls `probe` until it has a value; the timeout names `what` and, when a container is given, its last log lines. */
async function until<T>(what: string, seconds: number, probe: () => T | undefined, container?: string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${seconds}s waiting for ${what}${container ? `; ${container} said: ${logsOf(container).slice(-600)}` : ""}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("the backup dump companion on the real engine (Debian's PostgreSQL over TCP)", function () {
  this.timeout(120_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-dump-"));
  const prefix = `bd${randomInt(1e6)}-`;
  const created: { containers: string[]; networks: string[] } = { containers: [], networks: [] };

  before(function () {
    const why = missing();
    if (why) {
      if (REQUIRE) throw new Error(`the dump companion test cannot run: ${why}`);
      this.skip();
    }
  });
  after(() => {
    for (const c of created.containers) execFileSync("docker", ["rm", "-f", c], { stdio: "ignore" });
    for (const n of created.networks) execFileSync("docker", ["network", "rm", n], { stdio: "ignore" });
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("logs in with the generated password over the service network and dumps; a wrong password dumps nothing", async () => {
    // The script dumps at its scheduled minute: each dump container is planned with the minute it starts in
    // (its clock: TZ from the plan), early enough in that minute for the script's first look at the time.
    const planNow = async () => {
      const seconds = new Date().getUTCSeconds();
      if (seconds > 40) await new Promise((r) => setTimeout(r, (61 - seconds) * 1000));
      return planWorld(root, prefix, path.join(root, "repo"), new Date().toISOString().slice(11, 16));
    };
    const plan = await planNow();
    const byName = (name: string) => plan.containers.find((c) => c.name === name)!;
    const [db, dump] = [byName(`${prefix}immich-db`), byName(`${prefix}backup-dump`)];
    // One secret, both sides: what the database is initialised with is what the dump logs in with.
    assert.deepEqual(db.secretEnv?.POSTGRES_PASSWORD, SecretEnvRef.secret("immich-db-password"));
    assert.deepEqual(dump.secretEnv?.PGPASSWORD_IMMICH, SecretEnvRef.secret("immich-db-password"));
    assert.equal(dump.env.TZ, "Etc/UTC");
    const secret = plan.secrets!.find((s) => s.name === "immich-db-password")!;
    assert.ok(secret.source === "generated");
    const password = generatedPassword(secret.length);

    for (const network of dump.networks) {
      docker("network", "create", "--label", "homelab.test=backup-dump", network);
      created.networks.push(network);
    }
    const dataDir = db.mounts.find((m) => m.target === "/var/lib/postgresql/data")!.source;
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    fs.chownSync(dataDir, uid, gid);
    const startDb = [
      'printf %s "$POSTGRES_PASSWORD" > /tmp/pw',
      `initdb -D /var/lib/postgresql/data -U "$POSTGRES_USER" --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 >/dev/null`,
      "rm /tmp/pw",
      "echo 'host all all all scram-sha-256' >> /var/lib/postgresql/data/pg_hba.conf",
      "exec postgres -D /var/lib/postgresql/data -k /tmp -c listen_addresses='*'",
    ].join(" && ");
    docker(
      "run", "-d", "--name", db.name, "--network", db.networks[0], "--user", `${uid}:${gid}`, ...HOST_BINARIES,
      "-v", `${dataDir}:/var/lib/postgresql/data`,
      ...envArgs({ ...db.env, POSTGRES_PASSWORD: password, PATH: `${postgresBin()}:/bin`, PGHOST: "/tmp" }),
      IMAGE, "sh", "-c", startDb,
    ); // prettier-ignore
    created.containers.push(db.name);
    await until("PostgreSQL", 30, () => {
      try {
        docker("exec", db.name, "pg_isready", "-q", "-U", "immich", "-d", "postgres");
        return true;
      } catch {
        return undefined;
      }
    });
    const sql = (q: string) => docker("exec", db.name, "psql", "-U", "immich", "-d", "postgres", "-At", "-c", q);
    sql("create database immich");
    docker("exec", db.name, "psql", "-U", "immich", "-d", "immich", "-c", "create table items (name text); insert into items values ('over tcp')");

    const runDump = async (name: string, pgPassword: string) => {
      const dump = (await planNow()).containers.find((c) => c.name === `${prefix}backup-dump`)!;
      docker(
        "create", "--name", name, "--network", dump.networks[0], ...HOST_BINARIES,
        ...dump.mounts.flatMap((m) => ["-v", `${m.source}:${m.target}${m.readOnly ? ":ro" : ""}`]),
        ...envArgs({ ...dump.env, PGPASSWORD_IMMICH: pgPassword, PATH: `${postgresBin()}:/bin` }),
        "--entrypoint", dump.entrypoint![0], IMAGE, ...dump.entrypoint!.slice(1), ...dump.command!,
      ); // prettier-ignore
      created.containers.push(name);
      // on every planned network before its first look at the clock, as the provider creates it
      for (const network of dump.networks.slice(1)) docker("network", "connect", network, name);
      docker("start", name);
    };
    const dumpRoot = dump.mounts[0].source;
    fs.mkdirSync(dumpRoot, { recursive: true });
    const dumpFile = path.join(plan.backup!.targets.find((t) => t.service === "immich")!.dumpDir, `${db.name}.sql`);

    // A wrong password first: the server refuses the TCP login, nothing is written, the set is not complete.
    await runDump(`${dump.name}-wrong`, generatedPassword(secret.length));
    const refused = await until(
      "the refused login",
      30,
      () => {
        const logs = logsOf(`${dump.name}-wrong`);
        return /password authentication failed for user "immich"/.test(logs) ? logs : undefined;
      },
      `${dump.name}-wrong`,
    );
    assert.match(refused, /connection to server at "[^"]+" \(\d+\.\d+\.\d+\.\d+\), port 5432 failed/, "over TCP, by the database's name");
    assert.ok(!fs.existsSync(dumpFile) && !fs.existsSync(path.join(dumpRoot, ".complete")));
    docker("rm", "-f", `${dump.name}-wrong`);

    await runDump(dump.name, password);
    await until("the dump", 30, () => (fs.existsSync(path.join(dumpRoot, ".complete")) ? true : undefined), dump.name);
    const text = fs.readFileSync(dumpFile, "utf8");
    assert.match(text, /CREATE TABLE public\.items/);
    assert.match(text, /^over tcp$/m);
    assert.ok(!fs.existsSync(`${dumpFile}.partial`));
  });
});
