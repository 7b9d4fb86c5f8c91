import * as fs from "node:fs";
import * as path from "node:path";
import { Document, isMap, isScalar, visit, type YAMLMap } from "yaml";
import { stackFilePath } from "../../config/load";
import type { Io } from "../io";
import { buildPlan } from "../../topology/plan";
import { ComposeError, loadCompose } from "./compose";
import { ImportError } from "./errors";
import { EnvFileError, parseEnvFile, type EnvFileEntry } from "./interpolate";
import { mapCompose } from "./mapping";
import type { ImportResult } from "./types";
import { formatReport } from "./report";
import { secretCommand, secretScript, withSecretsSet } from "./secrets";

export const IMPORT_USAGE = "usage: homelab import <compose.yaml>… --stack NAME [--env-file FILE] [--domain DOMAIN] [--force]";

interface ImportArgs {
  files: string[];
  stack?: string;
  envFile?: string;
  domain?: string;
  force: boolean;
}

function parseArgs(argv: string[]): ImportArgs | string {
  const args: ImportArgs = { files: [], force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length && !argv[i + 1].startsWith("--") ? argv[++i] : undefined);
    if (a === "--force") args.force = true;
    else if (a === "--stack" || a === "--env-file" || a === "--domain") {
      const v = value();
      if (!v) return `${a} needs a value`;
      if (a === "--stack") args.stack = v;
      else if (a === "--env-file") args.envFile = v;
      else args.domain = v;
    } else if (a.startsWith("--")) return `unknown option ${a}`;
    else args.files.push(a);
  }
  if (!args.files.length) return "give at least one compose file";
  if (!args.stack) return "--stack NAME is required";
  if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) return `invalid stack name ${JSON.stringify(args.stack)}`;
  return args;
}

/** The env file named, or compose's default `.env` beside the first compose file. */
function readEnvFile(args: ImportArgs, environment: NodeJS.ProcessEnv): Map<string, EnvFileEntry> {
  const file = args.envFile ?? path.join(path.dirname(args.files[0]), ".env");
  if (!args.envFile && !fs.existsSync(file)) return new Map();
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ImportError([`cannot read env file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  try {
    return parseEnvFile(text, (name) => environment[name]);
  } catch (e) {
    if (e instanceof EnvFileError) throw new ImportError([`${file} ${e.message}`]);
    throw e;
  }
}

/** The order the README documents the keys in; anything else after them. */
const KEY_ORDER = ["domain", "timezone", "puid", "pgid", "paths", "lan", "proxy", "services", "links", "socketProxy", "vpn", "cloudflare", "acme"];

/** The stack file: readable YAML, services one per line where they are simple, comments where the owner must act. */
export function stackDocument(result: ImportResult, sources: string[], secretsFile?: string): string {
  const rank = (k: string) => (KEY_ORDER.indexOf(k) + KEY_ORDER.length + 1) % (KEY_ORDER.length + 1);
  const keys = Object.keys(result.config).sort((a, b) => rank(a) - rank(b));
  const config = Object.fromEntries(keys.map((k) => [`homelab:${k}`, result.config[k]]));
  const doc = new Document({ config });
  doc.commentBefore = [
    ` Imported by \`homelab import\` from ${sources.join(", ")}.`,
    secretsFile ? ` Secrets are not in this file: run \`sh ${secretsFile}\` (mode 0600) once, then delete it.` : " No secrets were found in the compose files.",
  ].join("\n");
  // short lists on one line; a service or link with no nested mapping too (`sonarr: {}`)
  visit(doc, { Seq: (_, seq) => void (seq.flow = seq.items.every(isScalar)) });
  for (const key of ["homelab:services", "homelab:links"]) {
    const entries = doc.getIn(["config", key], true);
    if (!isMap(entries)) continue;
    for (const pair of entries.items) {
      const node = pair.value as YAMLMap;
      if (isMap(node) && node.items.every((p) => !isMap(p.value))) node.flow = true;
      const comment = result.comments[String(isScalar(pair.key) ? pair.key.value : pair.key)];
      if (comment && isScalar(pair.key)) pair.key.commentBefore = ` ${comment}`;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

/** `homelab import`: compose files → `Pulumi.<stack>.yaml` (+ a 0600 secrets script), or one line per problem and nothing written. */
export function runImport(argv: string[], io: Io, projectDir: string, environment: NodeJS.ProcessEnv = process.env): number {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    io.err(`homelab import: ${args}\n${IMPORT_USAGE}`);
    return 2;
  }
  const stackFile = stackFilePath(projectDir, args.stack!);
  const secretsFile = path.join(projectDir, `Pulumi.${args.stack}.secrets.sh`);
  try {
    if (!args.force) {
      const existing = [stackFile, secretsFile].filter((f) => fs.existsSync(f));
      if (existing.length) throw new ImportError([`${existing.map((f) => path.basename(f)).join(" and ")} already exist(s): pass --force to replace`]);
    }
    const envFile = readEnvFile(args, environment);
    // Compose's precedence: the shell's environment over the env file
    const lookup = (name: string) => environment[name] ?? envFile.get(name)?.value;
    const compose = loadCompose(args.files, lookup);
    const result = mapCompose(compose.services, { domain: args.domain });
    result.report.warnings.unshift(...compose.warnings);

    const planned = buildPlan(withSecretsSet(result.config, result.secrets));
    const hasSecrets = result.secrets.length > 0;
    fs.writeFileSync(
      stackFile,
      stackDocument(
        result,
        args.files.map((f) => path.basename(f)),
        hasSecrets ? path.basename(secretsFile) : undefined,
      ),
    );
    if (hasSecrets) {
      fs.writeFileSync(secretsFile, secretScript(args.stack!, result.secrets), { mode: 0o600 });
      fs.chmodSync(secretsFile, 0o600); // an older file keeps its mode on write
    }
    io.out(formatReport(result.report, path.basename(stackFile), compose.services.length));
    if (hasSecrets) {
      io.out(
        `secrets to set (${result.secrets.length}), saved with their values in ${path.basename(secretsFile)} (mode 0600): run \`sh ${path.basename(secretsFile)}\`, then delete it`,
      );
      for (const s of result.secrets) io.out(`  ${secretCommand(args.stack!, s, false)}`);
    }
    if (!planned.ok) {
      io.err(`homelab import: ${path.basename(stackFile)} does not plan yet:\n${planned.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
      return 1;
    }
    io.out(
      `homelab plan ${args.stack}: ${planned.plan.services.length} services, ${planned.plan.containers.length} containers, policy passed${hasSecrets ? " (once the secrets are set)" : ""}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ImportError || e instanceof ComposeError) {
      io.err((e instanceof ImportError ? e.lines : [e.message]).map((l) => `homelab import: ${l}`).join("\n"));
      return 1;
    }
    throw e;
  }
}
