import * as fs from "node:fs";
import { parseDocument } from "yaml";
import { stackFilePath } from "../config/load";
import type { Plan } from "../topology/types";

/**
 * Writes every service/link network's subnet into `homelab:allocations` in the stack file — the lock that
 * keeps subnets stable when services come and go. Comments and layout of the file are preserved; entries
 * of networks that no longer exist are dropped. Returns the networks whose entry was added or changed.
 */
export function pinAllocations(projectDir: string, stack: string, plan: Plan): string[] {
  const file = stackFilePath(projectDir, stack);
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  const lock = allocationLock(plan);
  const previous = (doc.getIn(["config", "homelab:allocations"]) as { toJSON(): Record<string, string> } | undefined)?.toJSON() ?? {};
  const changed = Object.keys(lock).filter((k) => previous[k] !== lock[k]);
  const sorted = Object.fromEntries(
    Object.keys(lock)
      .sort()
      .map((k) => [k, lock[k]]),
  );
  const same = JSON.stringify(previous) === JSON.stringify(sorted);
  if (!same) {
    doc.setIn(["config", "homelab:allocations"], doc.createNode(sorted));
    fs.writeFileSync(file, doc.toString());
  }
  return changed;
}

/** The lock for a plan: every service/link network's subnet not pinned in the config, keyed by its unprefixed name. */
export function allocationLock(plan: Plan): Record<string, string> {
  const lock: Record<string, string> = {};
  for (const n of plan.networks.filter((n) => n.kind === "service" || n.kind === "link")) {
    if (n.origin !== "pinned") lock[n.name.slice(plan.prefix.length)] = n.subnet;
  }
  return lock;
}
