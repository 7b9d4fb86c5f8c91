// Backups on the real engine with the real restic (Debian's) and Debian's PostgreSQL server: back up a
// service's config folder and a pg_dump, corrupt both, restore, compare byte for byte and row for row;
// the pre-`up` snapshot; retention; a wrong password or a missing repository changes nothing.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { snapshotHook } from "../../cli/backup";
import { backupNow, listSnapshots, restoreService } from "../../cli/backup/commands";
import { BackupError, restic, snapshots } from "../../cli/backup/restic";
import { docker, missing, PASSWORD, REQUIRE, startWorld, stopWorld, tree, World, writeConfigTree } from "../support/backupWorld";

const ROWS = "select id, name from items order by id";
const startedAt = (c: string) => docker("inspect", "-f", "{{.State.StartedAt}}", c);

describe("backups on the real engine (restic + PostgreSQL)", function () {
  this.timeout(120000);
  let world: World | undefined;

  before(async function () {
    const why = missing();
    if (why) {
      if (REQUIRE) throw new Error(`the backup engine tests cannot run: ${why}`);
      this.skip();
    }
    world = await startWorld();
    const w = world;
    fs.writeFileSync(path.join(w.target.configDir, "config.xml"), "<config><apiKey>abc</apiKey></config>\n");
    writeConfigTree(path.join(w.target.configDir, "library"), 40, 16 * 1024);
    fs.writeFileSync(path.join(w.target.configDir, "scratch.tmp"), "excluded by homelab:backup.exclude");
    w.sql("create table items (id int primary key, name text not null)");
    w.sql("insert into items select g, 'item ' || g from generate_series(1, 500) g");
  });
  after(() => stopWorld(world));

  it("backs up the config folder and a pg_dump, never the live database files, with a summary", async () => {
    const w = world!;
    const out: string[] = [];
    const taken = await backupNow(w.ctx(PASSWORD, out), ["immich"]);
    assert.equal(taken.length, 1);
    assert.ok(
      out.some((l) => l.startsWith("initialised a new restic repository")),
      out.join("\n"),
    );
    assert.ok(
      out.some((l) => /^backup immich: pg_dump of bk\d+-immich-db$/.test(l)),
      out.join("\n"),
    );
    assert.ok(
      out.some((l) => new RegExp(`^backup immich: snapshot ${taken[0].id.slice(0, 8)}, \\d+ files`).test(l)),
      out.join("\n"),
    );
    const { stdout } = await restic(w.ctx().repo, ["ls", taken[0].id]);
    const listed = stdout.split("\n");
    assert.ok(listed.includes(path.join(w.target.configDir, "config.xml")));
    assert.ok(listed.includes(path.join(w.target.dumpDir, `${w.db}.sql`)));
    assert.ok(!listed.some((l) => l.startsWith(w.target.liveDataDirs[0])), "no live PostgreSQL file is in the snapshot");
    assert.ok(!listed.some((l) => l.endsWith("scratch.tmp")), "excludes apply");
  });

  it("restores a corrupted config folder byte for byte and a corrupted database row for row, and the service runs again", async () => {
    const w = world!;
    const files = tree(w.target.configDir);
    delete files["scratch.tmp"];
    for (const live of Object.keys(files).filter((f) => f.startsWith("postgres/"))) delete files[live];
    const rows = w.sql(ROWS);
    // corrupt both: files changed, removed and added; rows deleted and changed
    fs.writeFileSync(path.join(w.target.configDir, "config.xml"), "garbage");
    fs.rmSync(path.join(w.target.configDir, "library", "d3"), { recursive: true });
    fs.writeFileSync(path.join(w.target.configDir, "intruder.txt"), "not in the snapshot");
    w.sql("delete from items where id > 250; update items set name = 'broken' where id < 10; insert into items values (9999, 'stray')");
    assert.notEqual(w.sql(ROWS), rows);

    const out: string[] = [];
    await restoreService(w.ctx(PASSWORD, out), "immich");
    const after = tree(w.target.configDir);
    for (const live of Object.keys(after).filter((f) => f.startsWith("postgres/"))) delete after[live];
    assert.deepEqual(after, files, "the config folder is exactly the snapshot's");
    assert.equal(w.sql(ROWS), rows, "every row is back, and only those");
    assert.equal(docker("inspect", "-f", "{{.State.Running}}", w.app, w.db), "true\ntrue");
    assert.ok(
      out.some((l) => /^restore immich: done from snapshot [0-9a-f]{8}; 2 container\(s\) running$/.test(l)),
      out.join("\n"),
    );
    assert.ok(!fs.readdirSync(path.dirname(w.target.configDir)).some((f) => f.startsWith(".homelab-restore-")), "the staging folder is removed");
  });

  it("a wrong password is one clear line and changes nothing: no dump, no stop, no snapshot", async () => {
    const w = world!;
    const before = {
      snapshots: (await snapshots(w.ctx().repo, [])).length,
      app: startedAt(w.app),
      db: startedAt(w.db),
      dump: fs.statSync(path.join(w.target.dumpDir, `${w.db}.sql`)).mtimeMs,
    };
    await assert.rejects(
      backupNow(w.ctx("wrong"), ["immich"]),
      (e: Error) => e instanceof BackupError && /^homelab: wrong password for the restic repository .* nothing was changed$/.test(e.message),
    );
    await assert.rejects(restoreService(w.ctx("wrong"), "immich"), /wrong password/);
    assert.deepEqual(
      {
        snapshots: (await snapshots(w.ctx().repo, [])).length,
        app: startedAt(w.app),
        db: startedAt(w.db),
        dump: fs.statSync(path.join(w.target.dumpDir, `${w.db}.sql`)).mtimeMs,
      },
      before,
    );
  });

  it("a missing repository is one clear line for listing and restoring, and nothing is touched", async () => {
    const w = world!;
    const gone = { ...w.ctx(), repo: { url: path.join(w.root, "no-such-repo"), env: { RESTIC_PASSWORD: PASSWORD } } };
    const app = startedAt(w.app);
    await assert.rejects(listSnapshots(gone), (e: Error) =>
      /^homelab: no restic repository at .*no-such-repo yet: 'homelab backup <stack>' creates it; nothing was changed$/.test(e.message),
    );
    await assert.rejects(restoreService(gone, "immich"), /no restic repository/);
    assert.equal(startedAt(w.app), app);
  });

  it("before `up`: snapshots exactly the services whose stateful containers are replaced, tagged with the stack and the change", async () => {
    const w = world!;
    const hook = snapshotHook({ projectDir: w.root, stack: "test", plan: { backup: w.backup } as never, env: { RESTIC_PASSWORD: PASSWORD } })!;
    const out: string[] = [];
    const noConfig = () => Promise.reject(new Error("the password comes from RESTIC_PASSWORD"));
    // stateless: a cache replaced, a stateful container only updated in place, a new one created
    const stateless = await hook(
      [
        { urn: "", type: "docker:Container", name: `${w.prefix}immich-redis`, change: "replace", properties: [], failed: false },
        { urn: "", type: "docker:Container", name: `${w.prefix}whoami`, change: "update", properties: [], failed: false },
        { urn: "", type: "docker:Container", name: `${w.prefix}immich-ml`, change: "create", properties: [], failed: false },
      ],
      noConfig,
      (l) => out.push(l),
    );
    assert.deepEqual(stateless, []);
    const count = (await snapshots(w.ctx().repo, [])).length;

    const lines = await hook(
      [
        { urn: "", type: "docker:Container", name: w.db, change: "replace", properties: ["image (replace)"], failed: false },
        { urn: "", type: "docker:Network", name: `${w.prefix}vnet-whoami`, change: "replace", properties: [], failed: false },
      ],
      noConfig,
      (l) => out.push(l),
    );
    const all = await snapshots(w.ctx().repo, []);
    assert.equal(all.length, count + 1, "one snapshot: immich only (whoami's config folder does not exist, and its network holds no state)");
    const taken = all.at(-1)!;
    assert.ok(
      taken.tags?.includes("service:immich") && taken.tags.includes("stack:test") && taken.tags.some((t) => /^change:up-\d{8}T\d{6}$/.test(t)),
      String(taken.tags),
    );
    assert.deepEqual(lines, [`Snapshot ${taken.short_id} holds immich as it was before this change: homelab restore test immich --snapshot ${taken.short_id}`]);
  });

  it("retention prunes as configured (keep 1 daily: one snapshot per service and day remains)", async () => {
    const w = world!;
    await backupNow(w.ctx(), ["immich"]);
    const left = await snapshots(w.ctx().repo, ["--tag", "service:immich"]);
    assert.equal(left.length, 1, left.map((s) => `${s.short_id} ${s.tags}`).join("\n"));
    // and the kept snapshot restores
    await restoreService(w.ctx(), "immich", left[0].short_id);
    assert.equal(w.sql("select count(*) from items"), "500");
  });
});
