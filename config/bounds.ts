/**
 * Limits on the size and shape of config values, checked before anything walks them: a YAML alias bomb
 * (`&a [x×10]`, `&b [*a×10]`, …) is a kilobyte of text that js-yaml loads as shared references, but any walk
 * that copies it (marking secrets, validating) expands it a billion-fold. Every node is counted each time it
 * is reached, so the walk stops after LIMITS.values steps whatever the aliases share.
 */
export const LIMITS = {
  /** Values in one stack file, counted with aliases expanded: a 1,000-service stack has about 10,000. */
  values: 200_000,
  /** Nesting depth: the deepest real key (`homelab:authelia.users.<u>.groups[i]`) is 5. */
  depth: 32,
  /** Characters in one string value or key. */
  stringLength: 64 * 1024,
} as const;

/** The first limit `value` breaks, as a message naming where (`at <path>`), or undefined when it fits. */
export function boundsProblem(value: unknown, where: string): string | undefined {
  let budget = LIMITS.values;
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: where, depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (--budget < 0) return `${where} has more than ${LIMITS.values} values once its YAML aliases are expanded (an alias bomb?): refused before expanding it`;
    if (depth > LIMITS.depth) return `${path} is nested more than ${LIMITS.depth} levels deep`;
    if (typeof v === "string") {
      if (v.length > LIMITS.stringLength) return `${path} is a value of ${v.length} characters (at most ${LIMITS.stringLength})`;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k.length > LIMITS.stringLength) return `${path} has a key of ${k.length} characters (at most ${LIMITS.stringLength})`;
        stack.push({ v: x, path: `${path}.${k.length > 40 ? `${k.slice(0, 40)}…` : k}`, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
