// `homelab backup | snapshots | restore` through bin/homelab with real restic, on a throw-away project
// whose stack has homelab:backup (the password from RESTIC_PASSWORD, as restic itself reads it).
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../support/program";
import { writeConfigTree } from "../../support/backupWorld";

const BIN = path.join(PROJECT_DIR, "bin", "homelab");
const hasRestic = fs.existsSync("/usr/bin/restic");

function homelab(projectDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(BIN, args, { env: { ...process.env, HOMELAB_PROJECT_DIR: projectDir, RESTIC_PASSWORD: "pw", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("homelab backup | snapshots | restore (CLI)", function () {
  this.timeout(60_000);
  let root: string;
  let project: string;

  before(function () {
    if (!hasRestic) {
      if (process.env.HOMELAB_REQUIRE_RESTIC === "1") throw new Error("HOMELAB_REQUIRE_RESTIC=1 but restic is not installed");
      this.skip();
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-backup-cli-"));
    project = path.join(root, "project");
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: homelab\nruntime: nodejs\n");
    // the password is only known to be set (Pulumi's encrypted form); its value comes from RESTIC_PASSWORD
    fs.writeFileSync(
      path.join(project, "Pulumi.t.yaml"),
      [
        "config:",
        "  homelab:domain: t.example.test",
        `  homelab:paths: { config: ${root}/config, data: ${root}/data }`,
        "  homelab:services: { whoami: { image: 'traefik/whoami:v1.11.0', port: 80 } }",
        `  homelab:backup: { repository: ${root}/repo, keep: { daily: 3 } }`,
        "  homelab:backupCredentials:",
        "    password:",
        "      secure: v1:AAAA",
        "",
      ].join("\n"),
    );
    writeConfigTree(path.join(root, "config", "whoami"), 20, 4096);
  });
  after(() => root && fs.rmSync(root, { recursive: true, force: true }));

  it("backs up now, lists the snapshots, and names the service", async () => {
    const backup = await homelab(project, ["backup", "t", "whoami"]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^initialised a new restic repository at /m);
    assert.match(backup.stdout, /^backup whoami: snapshot [0-9a-f]{8}, 20 files, 0\.1 MB/m);
    assert.match(backup.stdout, /^retention: keeping 3 daily, 4 weekly, 6 monthly snapshot\(s\) per service$/m);
    const list = await homelab(project, ["snapshots", "t"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^[0-9a-f]{8} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}whoami +stack:t$/m);
  });

  it("a wrong password: one line, exit 1, no new snapshot", async () => {
    const wrong = await homelab(project, ["backup", "t"], { RESTIC_PASSWORD: "nope" });
    assert.equal(wrong.code, 1);
    assert.deepEqual(
      wrong.stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("warning:")),
      [`homelab: wrong password for the restic repository ${root}/repo (homelab:backupCredentials.password); nothing was changed`],
    );
    const list = await homelab(project, ["snapshots", "t", "whoami"]);
    assert.equal(list.stdout.trim().split("\n").length, 1);
  });

  it("names unknown services and a missing snapshot, and takes --snapshot ID", async () => {
    const unknown = await homelab(project, ["backup", "t", "plex"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^homelab: no state to back up for plex \(services with state: .*whoami\)$/m);
    const missing = await homelab(project, ["restore", "t", "whoami", "--snapshot", "deadbeef"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^homelab: no snapshot deadbeef of whoami \(see 'homelab snapshots t whoami'\); nothing was changed$/m);
    const noBackup = await homelab(PROJECT_DIR, ["snapshots", "lab"]);
    assert.equal(noBackup.code, 1);
    assert.match(noBackup.stderr, /^homelab: stack 'lab' has no homelab:backup: set a repository first \(docs\/backups\.md\)$/m);
  });
});
