/** Every key path of a parsed YAML document, lists as `[]` and map entries under `*` when `wild` says so. */
export function keyPaths(value: unknown, wild: (path: string) => boolean = () => false, prefix = ""): string[] {
  if (Array.isArray(value)) return value.some((v) => v && typeof v === "object") ? value.flatMap((v) => keyPaths(v, wild, `${prefix}[]`)) : [prefix];
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return [prefix];
    return entries.flatMap(([k, v]) => {
      const path = prefix ? `${prefix}.${wild(prefix) ? "*" : k}` : k;
      return keyPaths(v, wild, path);
    });
  }
  return [prefix];
}
