import { CORE_SCHEMA, dump, load } from "js-yaml";

// YAML through js-yaml, which the Pulumi SDK loads anyway: the program pays no extra import for it, and
// its first documents in a process cost about half of the `yaml` package's (a plan renders several).
// `yaml` stays only where a stack file is edited in place with its comments (cli/pin.ts).

/** A stack file's text: YAML 1.2's core schema, as Pulumi reads it (no dates, no merge keys). */
export function parseYaml(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA });
}

/** A generated YAML file's text: no line folding (long rules stay on one line), no anchors. */
export function yamlFile(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}
