// homelab:backup from config to plan to registered resources: the schema's errors, what each service's
import { SecretEnvRef } from "../../config/secret";
// snapshot holds, the backup containers and their place in the network policy (planner and policy pack).
import * as assert from "node:assert/strict";
import { targetsAtRisk } from "../../cli/backup/beforeChange";
import { backupProgress, describeSummary } from "../../cli/backup/progress";
import { describeFailure } from "../../cli/backup/restic";
import { SecretValue } from "../../config/secret";
import { membershipViolations } from "../../policy/rules";
import { backupArgs, RESTIC_IMAGE } from "../../topology/backup";
import { buildPlan } from "../../topology/plan";
import { errorsOf, minimalConfig, planOf } from "../support/configs";
import { CONTAINER, recordProgram } from "../support/program";

const password = { password: new SecretValue("pw") };
const withBackup = (backup: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  minimalConfig({
    services: { jellyfin: {}, immich: {}, sonarr: {} },
    backup: { repository: "/srv/backups/restic", ...backup },
    backupCredentials: password,
    ...extra,
  });

describe("homelab:backup (plan)", () => {
  it("refuses bad settings, each at its key path, and a password in plain text", () => {
    const errors = errorsOf(
      buildPlan(
        minimalConfig({
          backup: { repository: "ftp://nas/x", schedule: "25:00", keep: { daily: 0, weekly: 0, monthly: 0 }, exclude: ["$(rm -rf /)"] },
          backupCredentials: { password: "hunter2-in-clear" },
        }),
      ),
    );
    assert.deepEqual(
      errors.map((e) => e.split(":").slice(0, 2).join(":")),
      ["homelab:backup.repository", "homelab:backup.schedule", "homelab:backup.keep", "homelab:backup.exclude[0]", "homelab:backupCredentials.password"].map(
        (p) => p.replace(/\[0\]$/, ".0"),
      ),
    );
    assert.ok(!errors.join("\n").includes("hunter2"), "a plain-text password is never echoed");
  });

  it("needs the password, and the backend's keys for S3 and B2", () => {
    assert.deepEqual(errorsOf(buildPlan(withBackup({ repository: "s3:https://s3.example.com/homelab" }, { backupCredentials: undefined }))), [
      "homelab:backupCredentials.password: is required with homelab:backup: pulumi config set --secret --path 'homelab:backupCredentials.password' <password>",
      "homelab:backupCredentials.awsAccessKeyId: is required for a s3: repository: pulumi config set --secret --path 'homelab:backupCredentials.awsAccessKeyId' <value>",
      "homelab:backupCredentials.awsSecretAccessKey: is required for a s3: repository: pulumi config set --secret --path 'homelab:backupCredentials.awsSecretAccessKey' <value>",
    ]);
    for (const repository of ["/srv/backups", "sftp:backup@nas.lan:/srv/restic", "b2:my-bucket:homelab", "s3:https://minio.lan:9000/restic"]) {
      const keys = repository.startsWith("b2")
        ? { b2AccountId: new SecretValue("a"), b2AccountKey: new SecretValue("b") }
        : repository.startsWith("s3")
          ? { awsAccessKeyId: new SecretValue("a"), awsSecretAccessKey: new SecretValue("b") }
          : {};
      assert.deepEqual(errorsOf(buildPlan(withBackup({ repository }, { backupCredentials: { ...password, ...keys } }))), [], repository);
    }
  });

  it("backs up every service's config folder, databases by dump (their live files excluded), no caches, no media", () => {
    const plan = planOf(withBackup());
    const backup = plan.backup!;
    const immich = backup.targets.find((t) => t.service === "immich")!;
    assert.deepEqual(immich.paths, ["/srv/homelab/config/immich", "/srv/homelab/config/backup/dumps/immich"]);
    assert.deepEqual(immich.liveDataDirs, ["/srv/homelab/config/immich/postgres"]);
    assert.deepEqual(immich.databases, [{ container: "immich-db", user: "immich", database: "immich", passwordEnv: "PGPASSWORD_IMMICH" }]);
    // the server keeps its uploads in /data (media); the Valkey cache holds nothing worth keeping
    assert.deepEqual(immich.stateful, ["immich-ml", "immich-db"]);
    assert.deepEqual(backup.targets.find((t) => t.service === "jellyfin")!.paths, ["/srv/homelab/config/jellyfin"], "no /data by default");
    assert.ok(backup.targets.every((t) => t.service !== "backup"));
    const args = backupArgs(backup, immich);
    assert.deepEqual(args.slice(args.indexOf("--exclude")), [
      "--exclude",
      "/srv/homelab/config/immich/postgres",
      "/srv/homelab/config/immich",
      "/srv/homelab/config/backup/dumps/immich",
    ]);
    const media = planOf(withBackup({ includeMedia: true })).backup!;
    assert.ok(media.targets.find((t) => t.service === "jellyfin")!.paths.includes("/srv/data"));
  });

  it("plans the backup containers: restic (pinned) on its own network, the dump client also on each database's service network", () => {
    const plan = planOf(withBackup());
    const restic = plan.containers.find((c) => c.name === "backup")!;
    const dump = plan.containers.find((c) => c.name === "backup-dump")!;
    assert.equal(restic.image, RESTIC_IMAGE);
    assert.equal(restic.role, "backup");
    assert.deepEqual(restic.networks, ["vnet-backup"]);
    assert.deepEqual(dump.networks, ["vnet-backup", "vnet-immich"]);
    assert.deepEqual(restic.entrypoint, ["/bin/sh", "-c"]);
    assert.ok(restic.mounts.some((m) => m.source === "/srv/homelab/config" && m.target === "/srv/homelab/config" && m.readOnly));
    assert.deepEqual(restic.secretEnv, { RESTIC_PASSWORD: SecretEnvRef.secret("backup-password") });
    assert.deepEqual(dump.secretEnv, { PGPASSWORD_IMMICH: SecretEnvRef.secret("immich-db-password") });
    assert.match(restic.command![0], /restic 'backup' '--host' 'backup' '--tag' 'homelab' '--tag' 'service:immich'/);
    assert.match(restic.command![0], /'forget' .*'--keep-daily' '7' '--keep-weekly' '4' '--keep-monthly' '6' '--prune'/);
    assert.match(dump.command![0], /pg_dump -h 'immich-db' -U 'immich' -d 'immich' --clean --if-exists/);
    assert.ok(plan.secrets!.some((s) => s.name === "backup-password" && s.source === "config"));
    // no homelab:backup: nothing of this
    assert.ok(!planOf(minimalConfig()).containers.some((c) => c.service === "backup"));
  });

  it("the planner's policy still refuses anyone else on another service's network", () => {
    const plan = planOf(withBackup());
    const { checkPolicy } = require("../../topology/policy") as typeof import("../../topology/policy");
    const sonarr = plan.containers.find((c) => c.name === "sonarr")!;
    sonarr.networks.push("vnet-immich");
    const dump = plan.containers.find((c) => c.name === "backup-dump")!;
    dump.networks.push("vnet-jellyfin");
    assert.deepEqual(
      checkPolicy(plan).map((p) => p.message),
      [
        "sonarr (web) joins vnet-immich, the network of service 'immich': nobody joins another service's network",
        "backup-dump (backup) joins vnet-jellyfin, the network of service 'jellyfin': nobody joins another service's network",
      ],
    );
  });

  it("the policy pack passes the registered backup containers and refuses the dump client on a network without a database", async function () {
    this.timeout(60_000);
    const run = await recordProgram("home", { backup: { repository: "/srv/backups/restic" }, backupCredentials: { $secret: { password: "pw" } } });
    assert.equal(run.error, undefined);
    const resources = run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.name, props: r.inputs }));
    assert.deepEqual(membershipViolations(resources), []);
    const dump = run.resources.find((r) => r.type === CONTAINER && r.name === "backup-dump")!;
    assert.ok(dump.inputs.networksAdvanced.some((n: { name: string }) => n.name === "vnet-immich"));
    assert.ok(JSON.stringify(dump.inputs.entrypoints) === JSON.stringify(["/bin/sh", "-c"]));
    dump.inputs.networksAdvanced.push({ name: "vnet-jellyfin" });
    assert.deepEqual(
      membershipViolations(run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.name, props: r.inputs }))).map((v) => v.message),
      ["backup-dump (backup) joins vnet-jellyfin, the network of service 'jellyfin': nobody joins another service's network"],
    );
  });
});

describe("backup CLI pieces", () => {
  it("picks exactly the services whose stateful containers a change replaces or deletes", () => {
    const backup = planOf(withBackup()).backup!;
    const change = (name: string, kind: string, type = "docker:Container") => ({ type, name, change: kind });
    const services = (changes: ReturnType<typeof change>[]) => targetsAtRisk(backup, changes).map((t) => t.service);
    assert.deepEqual(
      services([
        change("immich-redis", "replace"),
        change("jellyfin", "update"),
        change("sonarr", "create"),
        change("vnet-jellyfin", "replace", "docker:Network"),
      ]),
      [],
    );
    assert.deepEqual(services([change("immich-db", "replace"), change("immich", "replace"), change("jellyfin", "delete")]), ["immich", "jellyfin"]);
    // a service removed from the stack: recognised by name, its config folder kept
    const removed = targetsAtRisk(backup, [change("radarr", "delete")]);
    assert.deepEqual(
      removed.map((t) => [t.service, t.paths]),
      [["radarr", ["/srv/homelab/config/radarr"]]],
    );
  });

  it("reports progress in files and bytes at most every interval, and a summary", () => {
    const lines: string[] = [];
    const p = backupProgress("backup immich", (l) => lines.push(l), 0);
    p.onJson({ message_type: "status", percent_done: 0.5, total_files: 2000, files_done: 1000, total_bytes: 200 * 1024 * 1024, bytes_done: 100 * 1024 * 1024 });
    p.onJson({
      message_type: "summary",
      snapshot_id: "0123456789abcdef",
      total_files_processed: 2000,
      total_bytes_processed: 209715200,
      data_added: 1048576,
      total_duration: 12.34,
    });
    assert.deepEqual(lines, ["backup immich: 1,000/2,000 files, 100.0 MB/200.0 MB (50%)"]);
    assert.equal(describeSummary("backup immich", p.summary()!), "backup immich: snapshot 01234567, 2,000 files, 200.0 MB (1.0 MB new) in 12.3s");
    const quiet: string[] = [];
    const q = backupProgress("b", (l) => quiet.push(l), 60_000);
    for (let i = 0; i < 5; i++) q.onJson({ message_type: "status", percent_done: i / 5 });
    assert.equal(quiet.length, 1, "throttled");
  });

  it("says in one line whether the password is wrong or the repository unreachable", () => {
    assert.equal(
      describeFailure("/r", "Fatal: wrong password or no key found\n"),
      "homelab: wrong password for the restic repository /r (homelab:backupCredentials.password); nothing was changed",
    );
    assert.equal(
      describeFailure(
        "sftp:u@nas:/r",
        "subprocess ssh: ssh: Could not resolve hostname nas\nFatal: unable to open repository at sftp:u@nas:/r: unable to start the sftp session, error: EOF\n",
      ),
      "homelab: the restic repository sftp:u@nas:/r is unreachable (unable to open repository at sftp:u@nas:/r: unable to start the sftp session, error: EOF); nothing was changed",
    );
    assert.match(
      describeFailure(
        "/r",
        "Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?\n/r\n",
      ),
      /^homelab: no restic repository at \/r yet/,
    );
  });
});
