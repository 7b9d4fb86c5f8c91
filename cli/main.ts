import * as fs from "node:fs";
import * as path from "node:path";
import { showSecretRefs } from "../config/secret";
import { CATALOG_DOC_PATH, catalogMarkdown } from "../config/catalog/document";
import { listStacks, readStackConfig, StackFileError } from "../config/load";
import { renderDiagram } from "../topology/diagram";
import { buildPlan } from "../topology/plan";
import type { Plan } from "../topology/types";
import type { ProbeOptions } from "./probe";
import { writeDiagram } from "./diagram";
import { formatNetworkTable, formatPlan, formatProblems, formatWarnings } from "./format";
import type { Io } from "./io";

const USAGE = `usage: homelab <command> <stack> [options]

  plan <stack> [--json]     the full plan: networks, containers, routes (offline)
  network <stack>           the subnet allocation table (offline)
  network pin <stack>       lock every allocated subnet into Pulumi.<stack>.yaml
  diagram <stack> [--write] the topology as Mermaid; --write saves docs/diagram-<stack>.md
  diagram --all --write     regenerate the diagram of every stack
  catalog [--write]         the service catalog with the upstream source of each fact; --write saves docs/catalog.md
  audit <stack>             compare the running Docker host with the plan and the policy
  audit <stack> --probe [--json]
                            measure isolation and VPN leaks from inside the running containers
  preview <stack>           what would change (Pulumi, local state backend), checked by the policy pack
  up <stack> [--yes]        apply it (policy-checked; --no-policy skips the pack, loudly)
  wire <stack>              Prowlarr's apps, Jellyseerr's servers, Plex's URLs, Portainer's other hosts, through their APIs (up runs it; --no-wire skips)
  destroy <stack> [--yes]   remove everything the stack created
  refresh <stack> [--yes]   read the real state back
  drift <stack>             exit 1 when the host differs from the state
  ca <stack>                the stack's CA certificate (PEM) to trust on your devices (no ACME)
  backup <stack> [service…] restic snapshot of every (or the named) service's config and database dumps now
  snapshots <stack> [service]  the snapshots in the repository
  restore <stack> <service> [--snapshot ID]  stop the service, restore its config and database, start it
  (up takes a snapshot of the services a change replaces or deletes first, unless --no-snapshot)
  import <compose.yaml>… --stack NAME [--env-file FILE] [--domain D] [--force]
                            a docker compose setup as a new stack file (offline)

Ctrl-C during preview/up/destroy/refresh stops after the operations under way (state saved, stack
unlocked); a second Ctrl-C aborts at once.`;

// cli/ and dist/ (where bin/homelab runs this file compiled) are both one level below the project.
export const PROJECT_DIR = process.env.HOMELAB_PROJECT_DIR ?? path.resolve(__dirname, "..");

// Commands load what only they need on demand (dockerode, the yaml editor, the Automation API): an offline
// `plan` must not pay for them.
const lazy = {
  audit: () => require("./audit") as typeof import("./audit"),
  pin: () => require("./pin") as typeof import("./pin"),
  operate: () => require("./operate") as typeof import("./operate"),
  dataKeys: () => require("./operate/dataKeys") as typeof import("./operate/dataKeys"),
  ca: () => require("./operate/ca") as typeof import("./operate/ca"),
  backup: () => require("./backup") as typeof import("./backup"),
  swarm: () => require("./swarm") as typeof import("./swarm"),
  import: () => require("./import") as typeof import("./import"),
  wire: () => require("./wire") as typeof import("./wire"),
  wireDocker: () => require("./wire/docker") as typeof import("./wire/docker"),
};

/** `homelab wire`: the apps' own settings, through their APIs on the stack's engine. */
const wireStack = (stack: string, plan: Plan, io: Io) => lazy.wire().wire(stack, plan, lazy.wireDocker().dockerLocator(PROJECT_DIR, stack), io);

/** Plans a stack from its stack file, printing every config error; undefined when it does not plan. */
function planStack(stack: string, io: Io): Plan | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = readStackConfig(PROJECT_DIR, stack);
  } catch (e) {
    if (e instanceof StackFileError) {
      io.err(`homelab: ${e.message}`);
      return undefined;
    }
    throw e;
  }
  const result = buildPlan(raw);
  if (result.warnings.length) io.err(formatWarnings(result.warnings));
  if (!result.ok) {
    io.err(formatProblems(stack, result.errors));
    return undefined;
  }
  return result.plan;
}

/** Ctrl-C during a probe removes the probe containers before the command exits (130). `overrides` are for tests. */
export async function probeWithInterrupt(stack: string, plan: Plan, json: boolean, io: Io, overrides?: Partial<ProbeOptions>): Promise<number> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  // A terminal sees one line counting up; a log gets the first and the last state.
  const tty = process.stderr.isTTY;
  const progress = (done: number, total: number) => {
    const line = `probing ${stack}: ${done}/${total} probe containers done`;
    if (tty) process.stderr.write(`\r\x1b[K${line}${done === total ? "\n" : ""}`);
    else if (done === 0 || done === total) io.err(line);
  };
  try {
    return await lazy.audit().auditProbe(PROJECT_DIR, stack, plan, { ...io, progress }, { json, signal: interrupt.signal, overrides });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export async function main(argvIn: string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  // import has options with values (--stack NAME), so it reads its own arguments
  if (argvIn[0] === "import" && !argvIn.includes("--help")) return lazy.import().runImport(argvIn.slice(1), io, PROJECT_DIR);
  // the one other option with a value: `--snapshot ID` or `--snapshot=ID`
  const snapshotAt = argvIn.findIndex((a) => a === "--snapshot" || a.startsWith("--snapshot="));
  const snapshot = snapshotAt < 0 ? undefined : argvIn[snapshotAt].includes("=") ? argvIn[snapshotAt].split("=")[1] : argvIn[snapshotAt + 1];
  const argv = snapshotAt < 0 ? argvIn : argvIn.filter((_, i) => i !== snapshotAt && (argvIn[snapshotAt].includes("=") || i !== snapshotAt + 1));
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const [command, ...args] = argv.filter((a) => !a.startsWith("--"));
  const known = new Set(["--json", "--yes", "--help", "--write", "--all", "--probe", "--no-snapshot", "--no-policy", "--no-wire"]);
  const unknownFlag = [...flags].find((f) => !known.has(f));
  if (!command || flags.has("--help")) {
    io.out(USAGE);
    return command || flags.has("--help") ? 0 : 2;
  }
  if (unknownFlag) {
    io.err(`homelab: unknown option ${unknownFlag}\n${USAGE}`);
    return 2;
  }
  const stackArg = (i = 0) => args[i];
  const needsStack = () => {
    io.err(`homelab: '${command}' needs a stack name (e.g. lab)\n${USAGE}`);
    return 2;
  };
  /** Runs a command on the named stack's plan: a usage error without a stack, 1 (errors printed) when it does not plan. */
  const withPlan = (run: (stack: string, plan: Plan) => number | Promise<number>) => {
    const stack = stackArg();
    if (!stack) return needsStack();
    const plan = planStack(stack, io);
    return plan ? run(stack, plan) : 1;
  };
  switch (command) {
    case "plan":
      return withPlan((stack, plan) => {
        io.out(flags.has("--json") ? JSON.stringify(plan, (_, v) => (typeof v === "string" ? showSecretRefs(v) : v), 2) : formatPlan(stack, plan));
        return 0;
      });
    case "network": {
      const pin = args[0] === "pin";
      const stack = stackArg(pin ? 1 : 0);
      if (!stack) break;
      const plan = planStack(stack, io);
      if (!plan) return 1;
      if (pin) {
        const changed = lazy.pin().pinAllocations(PROJECT_DIR, stack, plan);
        io.out(
          changed.length
            ? `pinned ${changed.length} subnet(s) in Pulumi.${stack}.yaml: ${changed.join(", ")}`
            : `Pulumi.${stack}.yaml: every subnet is already pinned`,
        );
        return 0;
      }
      io.out(flags.has("--json") ? JSON.stringify(plan.networks, null, 2) : formatNetworkTable(plan));
      return 0;
    }
    case "diagram": {
      const stacks = flags.has("--all") ? listStacks(PROJECT_DIR) : stackArg() ? [stackArg()] : [];
      if (!stacks.length) break;
      for (const stack of stacks) {
        const plan = planStack(stack, io);
        if (!plan) return 1;
        if (flags.has("--write")) io.out(`wrote ${writeDiagram(PROJECT_DIR, stack, plan)}`);
        else io.out(renderDiagram(plan).trimEnd());
      }
      return 0;
    }
    case "catalog": {
      const doc = catalogMarkdown();
      if (!flags.has("--write")) io.out(doc.trimEnd());
      else {
        fs.writeFileSync(path.join(PROJECT_DIR, CATALOG_DOC_PATH), doc);
        io.out(`wrote ${CATALOG_DOC_PATH}`);
      }
      return 0;
    }
    case "audit":
      return withPlan((stack, plan) =>
        flags.has("--probe") ? probeWithInterrupt(stack, plan, flags.has("--json"), io) : lazy.audit().audit(PROJECT_DIR, stack, plan, io),
      );
    case "preview":
    case "up":
    case "destroy":
    case "refresh":
    case "drift":
      return withPlan(async (stack, plan) => {
        // A multi-host stack needs its hosts to be one swarm before anything is created on any of them.
        const refusal = command === "preview" || command === "up" ? await lazy.swarm().swarmRefusal(plan) : undefined;
        if (refusal) {
          io.err(refusal);
          return 1;
        }
        // The lock keeps subnets stable across later changes. It is written only once `up` has applied the
        // plan: a refused, cancelled or failed run leaves the stack file as it was.
        const lockApplied = () => {
          const pinned = lazy.pin().pinAllocations(PROJECT_DIR, stack, plan);
          if (pinned.length) io.err(`homelab: locked ${pinned.length} new subnet(s) in Pulumi.${stack}.yaml: ${pinned.join(", ")}`);
        };
        const beforeUp = command === "up" && !flags.has("--no-snapshot") ? lazy.backup().snapshotHook({ projectDir: PROJECT_DIR, stack, plan }) : undefined;
        const code = await lazy.operate().operate(command, stack, {
          projectDir: PROJECT_DIR,
          yes: flags.has("--yes"),
          beforeUp,
          policy: !flags.has("--no-policy"),
          onApplied:
            command === "up"
              ? async (applied) => {
                  lockApplied();
                  await lazy.dataKeys().holdDataKeys(plan, applied, io.err);
                }
              : undefined,
        });
        return command === "up" && code === 0 && !flags.has("--no-wire") ? wireStack(stack, plan, io) : code;
      });
    case "wire":
      return withPlan((stack, plan) => wireStack(stack, plan, io));
    case "backup":
    case "snapshots":
    case "restore":
      return withPlan((stack, plan) =>
        lazy.backup().runBackupCommand(command, { projectDir: PROJECT_DIR, stack, plan, services: args.slice(1), snapshot }, io),
      );
    case "ca":
      return stackArg() ? lazy.ca().printCaCertificate(stackArg(), { projectDir: PROJECT_DIR }) : needsStack();
    default:
      io.err(`homelab: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
  return needsStack();
}

if (require.main === module || process.argv[1]?.endsWith(path.join("bin", "homelab"))) {
  main(process.argv.slice(2)).then(
    // exit explicitly: an abandoned CLI download (install time limit) must not keep the process alive
    // ...but only once stdout is flushed: a pipe takes 64 KiB at once and `plan --json` is larger.
    (code) => process.stdout.write("", () => process.exit(code)),
    (e: unknown) => {
      console.error(`homelab: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
