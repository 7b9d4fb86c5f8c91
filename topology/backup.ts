import * as path from "node:path";
import { CREDENTIAL_ENV, type BackupCredentials } from "../config/backupSchema";
import type { CatalogEntry } from "../config/catalog";
import type { StackConfig } from "../config/schema";
import { SecretEnvRef } from "../config/secret";
import type { Naming } from "./naming";
import { POSTGRES_IMAGE } from "../config/catalog";
import type { BackupPlan, BackupTarget, PlannedContainer, PlannedNetwork, PlannedSecret, PlanProblem, ResolvedService } from "./types";

export const BACKUP_SERVICE = "backup";
/**
 * The official restic image, pinned. ghcr.io/restic/restic is published by restic's own workflow with
 * `type=semver,pattern={{version}}` tags (restic/restic .github/workflows/docker.yml @v0.18.1); it is Alpine
 * with /bin/sh and tzdata, and its ENTRYPOINT is /usr/bin/restic (restic/restic docker/Dockerfile.release @v0.18.1).
 */
export const RESTIC_IMAGE = "ghcr.io/restic/restic:0.18.1";
/** pg_dump 17 dumps PostgreSQL 9.2 and newer, so one client image serves every database of the stack. */
export const DUMP_IMAGE = POSTGRES_IMAGE;
/**
 * restic's local cache (index, snapshots, tree packs) in a named volume: it outlives the container, so a run
 * after an `up` that recreated it does not fetch the repository's index again. restic reads the cache folder
 * from $RESTIC_CACHE_DIR; the cache is ephemeral, anything missing is read from the repository (restic
 * doc/manual_rest.rst, "Caching", @v0.18.1).
 */
export const RESTIC_CACHE = "/cache";
/** Where the official postgres images keep their data (docker-library/postgres Dockerfile, PGDATA): never copied live. */
const PG_DATA = "/var/lib/postgresql/data";

/** The backup service, added to the stack's services when homelab:backup is set. */
export function backupService(): ResolvedService {
  return { name: BACKUP_SERVICE, entry: BACKUP_ENTRY, config: { expose: "none" }, implicit: true };
}

/** The backup service: restic on a schedule, and a PostgreSQL client that dumps every database first. */
export const BACKUP_ENTRY: CatalogEntry = {
  name: BACKUP_SERVICE,
  description: "Scheduled restic backups of every service's config and database dumps",
  vpnCapable: false,
  auth: "deny",
  main: { suffix: "", image: RESTIC_IMAGE, role: "backup", mounts: [{ source: { kind: "volume", name: "restic-cache" }, target: RESTIC_CACHE }] },
  companions: [{ suffix: "dump", image: DUMP_IMAGE, role: "backup" }],
  evidence: {
    tag: "restic/restic@v0.18.1:.github/workflows/docker.yml (ghcr.io semver tags); postgres: docker-library/postgres 17/alpine3.22 (17.6-alpine)",
    ports: "none: restic and pg_dump are clients only",
    mounts:
      "the stack's config root read-only at the same path (restic stores host paths as given); the repository when local; restic's cache in a volume ($RESTIC_CACHE_DIR, restic doc/manual_rest.rst Caching @v0.18.1)",
    healthcheck: "none: a schedule loop, its runs are checked by `homelab snapshots`",
    user: "root in both images (restic/restic@v0.18.1:docker/Dockerfile.release has no USER); it must read every app's files",
    env: "RESTIC_REPOSITORY, RESTIC_PASSWORD and backend keys (restic doc/030_preparing_a_new_repo.rst @v0.18.1); PGPASSWORD_* per database (postgresql.org/docs/17/libpq-envars.html)",
  },
};

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const envName = (service: string) => `PGPASSWORD_${service.toUpperCase().replace(/-/g, "_")}`;

/** Which services hold state, from the planned containers' mounts and roles. Caches (Redis/Valkey) hold none worth keeping. */
export function backupTargets(cfg: StackConfig, containers: PlannedContainer[]): BackupTarget[] {
  const backup = cfg.backup!;
  const dumpRoot = path.posix.join(cfg.paths.config, BACKUP_SERVICE, "dumps");
  const byService = new Map<string, PlannedContainer[]>();
  for (const c of containers) if (c.service !== BACKUP_SERVICE) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const targets: BackupTarget[] = [];
  for (const [service, members] of byService) {
    const configDir = path.posix.join(cfg.paths.config, service);
    const binds = members.filter((c) => c.role !== "cache").flatMap((c) => c.mounts.filter((m) => m.type === "bind"));
    const inConfig = (source: string) => source === configDir || source.startsWith(`${configDir}/`);
    const stateful = members.filter((c) => c.role !== "cache" && c.mounts.some((m) => m.type === "bind" && inConfig(m.source))).map((c) => c.name);
    const databases = members.filter((c) => c.role === "database" && c.env.POSTGRES_USER);
    if (stateful.length === 0) continue;
    const usesMedia = binds.some((m) => m.source === cfg.paths.data);
    targets.push({
      service,
      configDir,
      dumpDir: path.posix.join(dumpRoot, service),
      paths: [configDir, ...(databases.length ? [path.posix.join(dumpRoot, service)] : []), ...(backup.includeMedia && usesMedia ? [cfg.paths.data] : [])],
      liveDataDirs: databases.flatMap((db) => db.mounts.filter((m) => m.target === PG_DATA && m.type === "bind").map((m) => m.source)),
      databases: databases.map((db) => ({
        container: db.name,
        user: db.env.POSTGRES_USER,
        database: db.env.POSTGRES_DB ?? db.env.POSTGRES_USER,
        passwordEnv: envName(service),
      })),
      containers: members.map((c) => c.name),
      stateful,
    });
  }
  return targets;
}

/** The schedule loop of the dump container: at the daily time, dump every database, then mark the set complete. */
function dumpScript(plan: BackupPlan): string {
  const dumps = plan.targets.flatMap((t) =>
    t.databases.map((db) => {
      const file = `${t.dumpDir}/${db.container}.sql`;
      return `mkdir -p ${quote(t.dumpDir)} && PGPASSWORD="$${db.passwordEnv}" pg_dump -h ${quote(db.container)} -U ${quote(db.user)} -d ${quote(db.database)} --clean --if-exists -f ${quote(`${file}.partial`)} && mv ${quote(`${file}.partial`)} ${quote(file)} || failed=1`;
    }),
  );
  return [
    "last=''",
    "while :; do",
    `  if [ "$(date +%H:%M)" = ${quote(plan.schedule)} ] && [ "$last" != "$(date +%F)" ]; then`,
    "    last=$(date +%F); failed=0",
    ...dumps.map((d) => `    ${d}`),
    `    [ "$failed" = 0 ] && date > ${quote(`${plan.dumpRoot}/.complete`)}`,
    "  fi",
    "  sleep 20",
    "done",
  ].join("\n");
}

/** The restic arguments of one service's backup: the same for the scheduled container and `homelab backup`. */
export function backupArgs(plan: BackupPlan, target: BackupTarget, tags: string[] = []): string[] {
  const excludes = [...target.liveDataDirs, ...plan.exclude].flatMap((e) => ["--exclude", e]);
  const tagArgs = ["homelab", `service:${target.service}`, ...tags].flatMap((t) => ["--tag", t]);
  return ["backup", "--host", plan.host, ...tagArgs, ...excludes, ...target.paths];
}

/** restic forget with the configured retention, per service (restic groups by host and paths). */
export function forgetArgs(plan: BackupPlan): string[] {
  const { daily, weekly, monthly } = plan.keep;
  return [
    "forget",
    "--host",
    plan.host,
    "--tag",
    "homelab",
    "--keep-daily",
    String(daily),
    "--keep-weekly",
    String(weekly),
    "--keep-monthly",
    String(monthly),
    "--prune",
  ];
}

/** The schedule loop of the restic container: waits for the day's dumps (at most 30 minutes), backs up, applies retention. */
function resticScript(plan: BackupPlan): string {
  const hasDumps = plan.targets.some((t) => t.databases.length > 0);
  const restic = (args: string[]) => ["restic", ...args.map(quote)].join(" ");
  return [
    "last=''",
    "while :; do",
    `  if [ "$(date +%H:%M)" = ${quote(plan.schedule)} ] && [ "$last" != "$(date +%F)" ]; then`,
    "    last=$(date +%F)",
    ...(hasDumps
      ? [`    i=0; while [ $i -lt 180 ] && [ -z "$(find ${quote(`${plan.dumpRoot}/.complete`)} -mmin -30 2>/dev/null)" ]; do sleep 10; i=$((i+1)); done`]
      : []),
    "    restic cat config >/dev/null 2>&1 || restic init",
    ...plan.targets.map((t) => `    ${restic(backupArgs(plan, t, ["scheduled"]))}`),
    `    ${restic(forgetArgs(plan))}`,
    "  fi",
    "  sleep 20",
    "done",
  ].join("\n");
}

/**
 * `homelab:backup` → the backup plan, and the two backup containers wired to it (returned in their place): restic reads every
 * config folder (read-only, at the same path as on the host, so snapshots look the same whoever takes
 * them) and the dumps; the dump container joins each database's service network (NETWORK_POLICY reachesDatabases, policy/networkPolicy.ts).
 */
export function planBackup(
  cfg: StackConfig,
  containers: PlannedContainer[],
  networks: PlannedNetwork[],
  names: Naming,
): { backup?: BackupPlan; containers: PlannedContainer[]; secrets: PlannedSecret[]; problems: PlanProblem[] } {
  if (!cfg.backup) return { containers: [], secrets: [], problems: [] };
  const problems: PlanProblem[] = [];
  const creds: Partial<BackupCredentials> = cfg.backupCredentials ?? {};
  if (!creds.password)
    problems.push({
      path: "homelab:backupCredentials.password",
      message: "is required with homelab:backup: pulumi config set --secret --path 'homelab:backupCredentials.password' <password>",
    });
  const repo = cfg.backup.repository;
  const needs: [string, (keyof BackupCredentials)[]][] = [
    ["s3:", ["awsAccessKeyId", "awsSecretAccessKey"]],
    ["b2:", ["b2AccountId", "b2AccountKey"]],
  ];
  for (const [scheme, fields] of needs)
    if (repo.startsWith(scheme))
      for (const f of fields.filter((f) => !creds[f]))
        problems.push({
          path: `homelab:backupCredentials.${f}`,
          message: `is required for a ${scheme} repository: pulumi config set --secret --path 'homelab:backupCredentials.${f}' <value>`,
        });

  const targets = backupTargets(cfg, containers);
  const plan: BackupPlan = {
    repository: repo,
    schedule: cfg.backup.schedule,
    keep: cfg.backup.keep,
    exclude: cfg.backup.exclude,
    host: names.container(BACKUP_SERVICE),
    dumpRoot: path.posix.join(cfg.paths.config, BACKUP_SERVICE, "dumps"),
    targets,
    credentialEnv: Object.fromEntries(Object.entries(CREDENTIAL_ENV).filter(([field]) => creds[field as keyof BackupCredentials])),
  };
  const secrets: PlannedSecret[] = Object.keys(plan.credentialEnv).map((field) => ({
    name: `backup-${field.toLowerCase()}`,
    source: "config",
    path: `homelab:backupCredentials.${field}`,
    value: creds[field as keyof BackupCredentials]!,
    purpose: `restic ${field === "password" ? "repository password" : `backend credential ${field}`}`,
  }));

  const restic = containers.find((c) => c.name === names.container(BACKUP_SERVICE))!;
  const dump = containers.find((c) => c.name === names.container(BACKUP_SERVICE, "dump"))!;
  const configRoot = { source: cfg.paths.config, target: cfg.paths.config, readOnly: true, type: "bind" as const };
  const dumpRoot = { source: plan.dumpRoot, target: plan.dumpRoot, readOnly: false, type: "bind" as const };
  const media = cfg.backup.includeMedia ? [{ source: cfg.paths.data, target: cfg.paths.data, readOnly: true, type: "bind" as const }] : [];
  const scheduled: PlannedContainer = {
    ...restic,
    entrypoint: ["/bin/sh", "-c"],
    command: [resticScript(plan)],
    mounts: [...restic.mounts, configRoot, dumpRoot, ...media],
    env: { ...restic.env, RESTIC_REPOSITORY: repo, RESTIC_CACHE_DIR: RESTIC_CACHE },
    secretEnv: Object.fromEntries(Object.entries(plan.credentialEnv).map(([field, env]) => [env, SecretEnvRef.secret(`backup-${field.toLowerCase()}`)])),
  };
  // docker-library/postgres runs docker-entrypoint.sh (which starts a server); the dump container only needs the client.
  const databaseNetworks = networks
    .filter((n) => n.kind === "service" && targets.some((t) => t.service === n.service && t.databases.length > 0))
    .map((n) => n.name);
  const dumper: PlannedContainer = {
    ...dump,
    entrypoint: ["/bin/sh", "-c"],
    command: [dumpScript(plan)],
    networks: [...dump.networks, ...databaseNetworks],
    mounts: [dumpRoot],
    secretEnv: Object.fromEntries(targets.flatMap((t) => t.databases.map((db) => [db.passwordEnv, SecretEnvRef.secret(`${t.service}-db-password`)]))),
  };
  return { backup: plan, containers: [scheduled, dumper], secrets, problems };
}
