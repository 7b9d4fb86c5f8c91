// homelab:backup from config to plan to registered resources: the schema's errors, what each service's
import { SecretEnvRef } from "../../config/secret";
// snapshot holds, the backup containers and their place in the network policy (planner and policy pack).
import * as assert from "node:assert/strict";
import { SecretValue } from "../../config/secret";
import { stackViolations } from "../../policy/rules";
import { backupArgs, RESTIC_CACHE, RESTIC_IMAGE } from "../../topology/backup";
import { buildPlan } from "../../topology/plan";
import { errorsOf, minimalBackupConfig, minimalConfig, planOf } from "../support/configs";
import { CONTAINER, recordProgram } from "../support/program";

const password = { password: new SecretValue("pw") };

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
    assert.deepEqual(errorsOf(buildPlan(minimalBackupConfig({ repository: "s3:https://s3.example.com/homelab" }, { backupCredentials: undefined }))), [
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
      assert.deepEqual(errorsOf(buildPlan(minimalBackupConfig({ repository }, { backupCredentials: { ...password, ...keys } }))), [], repository);
    }
  });

  it("backs up every service's config folder, databases by dump (their live files excluded), no caches, no media", () => {
    const plan = planOf(minimalBackupConfig());
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
    const media = planOf(minimalBackupConfig({ includeMedia: true })).backup!;
    assert.ok(media.targets.find((t) => t.service === "jellyfin")!.paths.includes("/srv/data"));
  });

  it("plans the backup containers: restic (pinned) on its own network, the dump client also on each database's service network", () => {
    const plan = planOf(minimalBackupConfig());
    const restic = plan.containers.find((c) => c.name === "backup")!;
    const dump = plan.containers.find((c) => c.name === "backup-dump")!;
    assert.equal(restic.image, RESTIC_IMAGE);
    assert.equal(restic.role, "backup");
    assert.deepEqual(restic.networks, ["vnet-backup"]);
    assert.deepEqual(dump.networks, ["vnet-backup", "vnet-immich"]);
    assert.deepEqual(restic.entrypoint, ["/bin/sh", "-c"]);
    assert.ok(restic.mounts.some((m) => m.source === "/srv/homelab/config" && m.target === "/srv/homelab/config" && m.readOnly));
    // restic's cache outlives the container (a recreated container does not re-read the index): a named volume, read-write
    assert.deepEqual(
      restic.mounts.find((m) => m.target === RESTIC_CACHE),
      { source: "backup-restic-cache", target: RESTIC_CACHE, readOnly: false, type: "volume" },
    );
    assert.equal(restic.env.RESTIC_CACHE_DIR, RESTIC_CACHE);
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
    const plan = planOf(minimalBackupConfig());
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
    assert.deepEqual(stackViolations(resources), []);
    const dump = run.resources.find((r) => r.type === CONTAINER && r.name === "backup-dump")!;
    assert.ok(dump.inputs.networksAdvanced.some((n: { name: string }) => n.name === "vnet-immich"));
    assert.ok(JSON.stringify(dump.inputs.entrypoints) === JSON.stringify(["/bin/sh", "-c"]));
    dump.inputs.networksAdvanced.push({ name: "vnet-jellyfin" });
    assert.deepEqual(
      stackViolations(run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.name, props: r.inputs }))).map((v) => v.message),
      ["backup-dump (backup) joins vnet-jellyfin, the network of service 'jellyfin': nobody joins another service's network"],
    );
  });
});
