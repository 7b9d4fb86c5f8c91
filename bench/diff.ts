/** A minimal difference between two input values: one side may be missing (added/removed). */
export interface Leaf {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Where two input values differ, as small as is meaningful: objects key by key, arrays and multi-line
 * strings as the elements/lines an LCS alignment leaves unmatched (grouped into contiguous hunks), so
 * inserting one entry into a list is one leaf, not a shift of every later index.
 */
export function changedLeaves(before: unknown, after: unknown, path = ""): Leaf[] {
  if (same(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedLeaves(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) return hunks(before, after, (i) => `${path}[${i}]`);
  if (typeof before === "string" && typeof after === "string" && (before.includes("\n") || after.includes("\n"))) {
    const text = (v: unknown) => (Array.isArray(v) ? v.join("\n") : v);
    return hunks(before.split("\n"), after.split("\n"), (i) => `${path}:line ${i + 1}`).map((l) => ({ ...l, before: text(l.before), after: text(l.after) }));
  }
  return [{ path, before, after }];
}

/** Unmatched runs of an LCS alignment; a run that replaces one element by one element is diffed further. */
function hunks(a: unknown[], b: unknown[], at: (i: number) => string): Leaf[] {
  const ka = a.map((x) => JSON.stringify(x));
  const kb = b.map((x) => JSON.stringify(x));
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = ka[i] === kb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const leaves: Leaf[] = [];
  let i = 0;
  let j = 0;
  let removed: unknown[] = [];
  let added: unknown[] = [];
  let start = 0;
  const flush = () => {
    if (removed.length === 1 && added.length === 1) leaves.push(...changedLeaves(removed[0], added[0], at(start)));
    else if (removed.length || added.length)
      leaves.push({ path: at(start), before: removed.length ? removed : undefined, after: added.length ? added : undefined });
    removed = [];
    added = [];
  };
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && ka[i] === kb[j]) {
      flush();
      i++;
      j++;
      start = j;
    } else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) removed.push(a[i++]);
    else added.push(b[j++]);
  }
  flush();
  return leaves;
}

/** True when `text` names one of the tokens as a whole word (`vnet-sonarr` names `sonarr`; `svc-10` does not name `svc-1`). */
export function mentions(text: string, tokens: readonly string[]): boolean {
  return tokens.some((t) => new RegExp(`(?<![a-z0-9])${t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![a-z0-9])`, "i").test(text));
}
