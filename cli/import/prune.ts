import { validateStackConfig, type StackConfig } from "../../config/schema";
import type { ImportReport } from "./types";
import { ImportError } from "./errors";
import { withSecretsSet, type SecretSetting } from "./secrets";

/** `homelab:services.foo.env["A B"]` → ["services", "foo", "env", "A B"]. */
function segments(keyPath: string): string[] {
  const rest = keyPath.replace(/^homelab:/, "");
  const top = /^[^.[]*/.exec(rest)![0];
  const out = [top];
  for (const m of rest.slice(top.length).matchAll(/\.([^.[]+)|\[("(?:[^"\\]|\\.)*")\]/g)) out.push(m[1] ?? (JSON.parse(m[2]) as string));
  return out;
}

/**
 * Removes the value at the path, or at its deepest part that exists, and the mappings it leaves empty (but not
 * a service's own `{}`, which means "the catalog entry as it is"); undefined when nothing may be removed.
 */
function remove(config: Record<string, unknown>, path: string[]): string[] | undefined {
  const nodes: Record<string, unknown>[] = [config];
  const walked: string[] = [];
  for (const key of path) {
    const node = nodes[nodes.length - 1];
    if (!(key in node)) break;
    walked.push(key);
    const next = node[key];
    if (walked.length === path.length || typeof next !== "object" || next === null) break;
    nodes.push(next as Record<string, unknown>);
  }
  if (walked.length === 0 || (walked.length === 1 && walked[0] === "domain")) return undefined;
  for (let depth = walked.length - 1; depth >= 0; depth--) {
    delete nodes[depth][walked[depth]];
    const emptied = Object.keys(nodes[depth]).length === 0;
    if (!emptied || depth === 0 || (depth === 2 && walked[0] === "services")) break;
  }
  return walked;
}

/**
 * A value read from compose that the schema refuses (a relative path, a time zone it does not know…) is left
 * out and reported, so the stack stays importable; what cannot be left out (the domain) stops the import.
 */
export function pruneInvalid(config: Record<string, unknown>, secrets: readonly SecretSetting[], report: ImportReport): StackConfig {
  for (let round = 0; round < 10; round++) {
    const result = validateStackConfig(withSecretsSet(config, secrets));
    if (result.ok) return result.value;
    const fatal: string[] = [];
    for (const e of result.errors) {
      const removed = remove(config, segments(e.path));
      if (removed)
        report.dropped.push({ service: removed[0] === "services" ? removed[1] : `homelab:${removed[0]}`, text: `${e.path} ${e.message}: not carried`, at: "" });
      else fatal.push(`${e.path} ${e.message}`);
    }
    if (fatal.length) throw new ImportError(fatal);
  }
  throw new ImportError(["the imported config does not settle into a valid stack config"]);
}
