// Turns the engine's event stream into one line per resource and a closing summary.
// Only `resOutputsEvent` / `resOpFailedEvent` are used: the engine sends them when a step is
// decided (preview) or done (update), and for refreshes their `op` is already the refresh's
// outcome (update = drifted, delete = gone, same = unchanged).
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";

export type Change = "create" | "update" | "replace" | "delete" | "import" | "read" | "same";

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  change: Change;
  /** Changed property paths; a path marked " (replace)" is the reason for a replacement. */
  properties: string[];
  failed: boolean;
}

/** plan: preview / preview-only refresh; apply: the real thing. `refresh` words drift differently. */
export interface ProgressOptions {
  phase: "plan" | "apply";
  refresh?: boolean;
  /** Resources expected, from the preview that ran before an apply: shown as [n/total]. */
  total?: number;
}

const CHANGE_OF: Partial<Record<OpType, Change>> = {
  create: "create",
  update: "update",
  delete: "delete",
  discard: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  "discard-replaced": "replace",
  "read-replacement": "replace",
  "import-replacement": "replace",
  import: "import",
  read: "read",
  same: "same",
};

const SYMBOL: Record<Change, string> = { create: "+", update: "~", replace: "+-", delete: "-", import: "=", read: ">", same: " " };

const WORDS: Record<"plan" | "apply" | "refresh", Record<Change, string>> = {
  plan: { create: "to create", update: "to update", replace: "to replace", delete: "to delete", import: "to import", read: "to read", same: "unchanged" },
  apply: { create: "created", update: "updated", replace: "replaced", delete: "deleted", import: "imported", read: "read", same: "unchanged" },
  refresh: {
    create: "appeared",
    update: "changed outside homelab",
    replace: "replaced outside homelab",
    delete: "gone",
    import: "imported",
    read: "read",
    same: "unchanged",
  },
};

/** The order changes are listed in the summary: the destructive ones stand out at the end. */
const SUMMARY_ORDER: Change[] = ["create", "import", "update", "replace", "delete"];

function changeOf(meta: StepEventMetadata): Change | undefined {
  // Older engines report a refresh step as "refresh"; its outcome is then read from the states.
  if (meta.op === "refresh") {
    if (!meta.new) return "delete";
    return (meta.diffs?.length ?? 0) > 0 || Object.keys(meta.detailedDiff ?? {}).length > 0 ? "update" : "same";
  }
  return CHANGE_OF[meta.op];
}

/** `docker:index/container:Container` reads better as `docker:Container` (`aws:s3/bucket:Bucket` as `aws:s3:Bucket`). */
export function shortType(type: string): string {
  const token = /^([^:]+):([^:/]+)\/[^:]+:([^:]+)$/.exec(type);
  if (!token) return type;
  const [, pkg, module, name] = token;
  return module === "index" ? `${pkg}:${name}` : `${pkg}:${module}:${name}`;
}

function changedProperties(meta: StepEventMetadata): string[] {
  const detailed = Object.entries(meta.detailedDiff ?? {});
  if (detailed.length === 0) return [...(meta.diffs ?? [])];
  return detailed.map(([prop, diff]) => (String(diff.diffKind).endsWith("-replace") ? `${prop} (replace)` : prop));
}

export class Progress {
  private readonly resources = new Map<string, ResourceChange>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: ProgressOptions,
  ) {}

  readonly onEvent = (event: EngineEvent): void => {
    if (event.resOutputsEvent) this.record(event.resOutputsEvent.metadata, false);
    else if (event.resOpFailedEvent) this.record(event.resOpFailedEvent.metadata, true);
  };

  /** Every resource seen so far, unchanged ones included. */
  get count(): number {
    return this.resources.size;
  }

  get changes(): ResourceChange[] {
    return [...this.resources.values()].filter((r) => r.change !== "same" && r.change !== "read");
  }

  private get words(): Record<Change, string> {
    return WORDS[this.options.refresh ? "refresh" : this.options.phase];
  }

  private record(meta: StepEventMetadata, failed: boolean): void {
    const change = changeOf(meta);
    if (change === undefined) return;
    const known = this.resources.get(meta.urn);
    // A replacement is several steps on one URN (create-replacement, replace, delete-replaced):
    // the first one counts, later ones only add what they know.
    if (known) {
      known.failed ||= failed;
      if (known.properties.length === 0) known.properties = changedProperties(meta);
      if (failed) this.write(`${this.prefix()} ${SYMBOL[known.change]} ${known.type} ${known.name} failed`);
      return;
    }
    const name = meta.urn.slice(meta.urn.lastIndexOf("::") + 2);
    const resource: ResourceChange = { urn: meta.urn, type: shortType(meta.type), name, change, properties: changedProperties(meta), failed };
    this.resources.set(meta.urn, resource);
    // Unchanged resources still move the counter, but a line each would bury the real changes.
    if (change === "same" && !failed) return;
    const outcome = failed ? "failed" : this.words[change];
    this.write(`${this.prefix()} ${SYMBOL[change]} ${resource.type} ${name} ${outcome}`);
  }

  private prefix(): string {
    return this.options.total ? `[${this.count}/${Math.max(this.options.total, this.count)}]` : `[${this.count}]`;
  }

  /** One headline with the counts, then one line per changed resource with its changed properties. */
  summary(): string[] {
    const changes = this.changes;
    const unchanged = this.count - changes.length;
    if (changes.length === 0) {
      return [this.options.refresh ? `No drift: all ${this.count} resources match their recorded state.` : `No changes (${unchanged} resources unchanged).`];
    }
    const counts = SUMMARY_ORDER.map((kind) => [kind, changes.filter((c) => c.change === kind).length] as const)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${this.words[kind]}`);
    const lines = [`Summary: ${counts.join(", ")}; ${unchanged} unchanged.`];
    for (const kind of SUMMARY_ORDER) {
      for (const c of changes.filter((r) => r.change === kind)) {
        const props = c.properties.length > 0 && kind !== "create" && kind !== "delete" ? `: ${c.properties.join(", ")}` : "";
        lines.push(`  ${SYMBOL[kind].padEnd(2)} ${c.type} ${c.name}${props}${c.failed ? " (FAILED)" : ""}`);
      }
    }
    return lines;
  }
}
