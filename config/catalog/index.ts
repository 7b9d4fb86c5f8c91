import { apps } from "./apps";
import { core } from "./core";
import { indexers } from "./indexers";
import { media } from "./media";
import { tools } from "./tools";
import type { CatalogEntry } from "./types";
import { vpn } from "./vpn";

export * from "./types";

export const CATALOG: ReadonlyMap<string, CatalogEntry> = new Map([...core, ...tools, ...apps, ...media, ...indexers, ...vpn].map((e) => [e.name, e]));

export function catalogEntry(name: string): CatalogEntry | undefined {
  return CATALOG.get(name);
}
