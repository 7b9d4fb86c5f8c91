import { CATALOG } from "./index";
import type { CatalogEntry } from "./types";

export const CATALOG_DOC_PATH = "docs/catalog.md";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\n/g, " ");
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;
/** A fact as the stack runs it, then where upstream says so. */
const fact = (value: string, source: string | undefined) => (source ? `${cell(value)}<br>${cell(source)}` : cell(value));

function row(e: CatalogEntry): string {
  const main = e.main;
  const mounts = (main.mounts ?? []).map((m) => m.target);
  const ports = [main.port, ...(main.extraPorts ?? [])].filter((p) => p !== undefined);
  const src = e.evidence;
  return [
    e.name,
    fact(code(main.image), src.tag),
    fact(ports.length ? ports.join(", ") : "—", src.ports),
    fact(mounts.length ? mounts.map(code).join(", ") : "—", src.mounts),
    fact(main.healthcheck ? code(main.healthcheck.test.slice(1).join(" ")) : "none", src.healthcheck),
    fact(main.user === "puid" ? "Docker user puid:pgid" : main.linuxserver ? "PUID/PGID" : "image default", src.user),
    fact(notes(e), src.env),
  ].join(" | ");
}

/**
 * `docs/catalog.md`: one row per catalog entry, each cell what the stack runs and the upstream source of that
 * fact. Generated from the catalog (`homelab catalog --write`); a test fails when the file is stale.
 */
export function catalogMarkdown(catalog: ReadonlyMap<string, CatalogEntry> = CATALOG): string {
  const entries = [...catalog.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = [
    "# Service catalog",
    "",
    "Generated from `config/catalog/` by `homelab catalog --write`; do not edit by hand (a test fails when it is stale).",
    "Each cell gives what the stack runs, then where upstream says so, read at the pinned tag: `owner/repo@tag:path` is a",
    "file of the image's source at that tag (`git show tag:path`), `owner/repo#N` an issue or pull request, a URL a documentation page.",
    "",
    "| Service | Image and tag | Ports | Config and data | Healthcheck | User | Notes and env |",
    "|---|---|---|---|---|---|---|",
    ...entries.map((e) => `| ${row(e)} |`),
  ];
  return `${lines.join("\n")}\n`;
}

function notes(e: CatalogEntry): string {
  const text = [
    e.deprecated ? `**deprecated** since ${e.deprecated.since} (${e.deprecated.source}): use ${e.deprecated.replacement}` : "",
    e.gpu ? "takes a GPU" : "",
    e.companions?.length ? `with ${e.companions.map((c) => code(c.image)).join(", ")}` : "",
    e.linksTo?.length ? `links to ${e.linksTo.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
  return text || "—";
}
