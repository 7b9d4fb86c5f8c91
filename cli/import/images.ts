import { CATALOG, type CatalogEntry } from "../../config/catalog";

export interface ImageRef {
  /** The repository without its registry, e.g. `linuxserver/sonarr`, `library/traefik`. */
  repository: string;
  registry: string;
  tag?: string;
  digest?: string;
}

/**
 * Registries where projects publish the same repository under the same path: lscr.io is LinuxServer.io's
 * front for its ghcr.io images (a pull from lscr.io reports ghcr.io's limits:
 * github.com/orgs/linuxserver/discussions/148), which are also on Docker Hub; hotio and others push to Docker
 * Hub and ghcr.io alike. An image on one of these matches a catalog image on another.
 */
const PUBLIC_REGISTRIES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "lscr.io", "ghcr.io"]);

/** Splits `[registry/]repo[:tag][@digest]` the way Docker does: the first part is a registry only if it has a `.` or `:` or is `localhost`. */
export function parseImage(ref: string): ImageRef {
  const [nameAndTag, digest] = ref.split("@");
  const slash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.lastIndexOf(":");
  const tag = colon > slash ? nameAndTag.slice(colon + 1) : undefined;
  const name = colon > slash ? nameAndTag.slice(0, colon) : nameAndTag;
  const parts = name.toLowerCase().split("/");
  const hasRegistry = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === "localhost");
  const registry = hasRegistry ? parts.shift()! : "docker.io";
  // Docker Hub's official images live under library/: `traefik` is `docker.io/library/traefik`
  const repository = PUBLIC_REGISTRIES.has(registry) && parts.length === 1 ? `library/${parts[0]}` : parts.join("/");
  return { registry, repository, tag, digest };
}

/** Repositories published under another name elsewhere: Gluetun is qmcgaw/gluetun on Docker Hub and qdm12/gluetun on ghcr.io (github.com/qdm12/gluetun README). */
const SAME_REPOSITORY: Record<string, string> = { "qdm12/gluetun": "qmcgaw/gluetun" };

/** The key two images share when they are the same repository on interchangeable registries. */
function repositoryKey(ref: ImageRef): string {
  return PUBLIC_REGISTRIES.has(ref.registry) ? (SAME_REPOSITORY[ref.repository] ?? ref.repository) : `${ref.registry}/${ref.repository}`;
}

/** A tag that does not pin anything: a rebuild may bring any version. */
export function unpinned(ref: ImageRef): boolean {
  return !ref.digest && (!ref.tag || ref.tag === "latest");
}

/** Catalog entries by the repository of their main image, read from the catalog each time so new entries map by themselves. */
export function catalogByImage(catalog: Iterable<CatalogEntry> = CATALOG.values()): (image: string) => CatalogEntry | undefined {
  const index = new Map<string, CatalogEntry>();
  for (const entry of catalog) index.set(repositoryKey(parseImage(entry.main.image)), entry);
  return (image) => index.get(repositoryKey(parseImage(image)));
}
