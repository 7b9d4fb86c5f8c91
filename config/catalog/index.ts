import { apps } from "./apps";
import { core } from "./core";
import { media } from "./media";
import { tools } from "./tools";
import type { CatalogEntry } from "./types";

export * from "./types";

export const CATALOG: ReadonlyMap<string, CatalogEntry> = new Map([...core, ...tools, ...apps, ...media].map((e) => [e.name, e]));

export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.get(name);
}
