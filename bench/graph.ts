/** One registered resource as the program child records it (inputs only when asked for). */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** A provider-managed resource (false for ComponentResources). */
  custom: boolean;
  parent?: string;
  /** URNs the registration named as dependencies: resources behind input Outputs plus `dependsOn`. */
  deps: string[];
  inputs?: Record<string, unknown>;
}

export interface DependencyShape {
  /** Resources on the longest dependency chain (1 = nothing waits for anything). */
  depth: number;
  /** Most resources on one level: the most the engine could create at once. */
  widest: number;
  /** Resources per level, level 1 first. */
  levels: number[];
  /** Names along one longest chain, first created first. */
  chain: string[];
}

/**
 * The creation order the engine must respect, over provider-managed resources only: a ComponentResource
 * costs nothing to create, so a dependency on one stands for dependencies on all its custom descendants.
 * A custom parent is a dependency too (the child's registration waits for the parent's URN).
 * Level(r) = 1 + the highest level among r's dependencies; depth is the highest level.
 */
export function dependencyShape(resources: readonly RecordedResource[]): DependencyShape {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const children = new Map<string, RecordedResource[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);

  const customBehind = (urn: string, seen = new Set<string>()): string[] => {
    const r = byUrn.get(urn);
    if (!r || seen.has(urn)) return [];
    seen.add(urn);
    if (r.custom) return [urn];
    return (children.get(urn) ?? []).flatMap((c) => customBehind(c.urn, seen));
  };

  const level = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const visiting = new Set<string>();
  const levelOf = (urn: string): number => {
    const known = level.get(urn);
    if (known !== undefined) return known;
    if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
    visiting.add(urn);
    const r = byUrn.get(urn)!;
    const direct = [...r.deps, ...(r.parent && byUrn.get(r.parent)?.custom ? [r.parent] : [])];
    let best = 0;
    let from: string | undefined;
    for (const dep of new Set(direct.flatMap((d) => customBehind(d)))) {
      if (dep === urn) continue;
      const l = levelOf(dep);
      if (l > best) [best, from] = [l, dep];
    }
    visiting.delete(urn);
    level.set(urn, best + 1);
    via.set(urn, from);
    return best + 1;
  };

  const custom = resources.filter((r) => r.custom);
  const levels: number[] = [];
  let deepest: string | undefined;
  for (const r of custom) {
    const l = levelOf(r.urn);
    levels[l - 1] = (levels[l - 1] ?? 0) + 1;
    if (!deepest || l > level.get(deepest)!) deepest = r.urn;
  }
  const chain: string[] = [];
  for (let u = deepest; u; u = via.get(u)) chain.unshift(byUrn.get(u)!.name);
  const filled = Array.from(levels, (n) => n ?? 0);
  return { depth: filled.length, widest: Math.max(0, ...filled), levels: filled, chain };
}
