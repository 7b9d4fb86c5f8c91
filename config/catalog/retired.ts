/**
 * Names that were catalog entries and are not any more, each with why and what to use instead. A stack
 * that still lists one is told so by name (an error without an image, a warning with one).
 */
export const RETIRED: ReadonlyMap<string, string> = new Map([
  [
    "heimdall",
    // linuxserver/Heimdall (v2.6.1, routes/web.php and app/Http/Controllers/ItemRestController.php): the app
    // list lives in Heimdall's own SQLite database; the only API (`api/item`) can add an item from a logged-in
    // web session (CSRF-checked), never update or remove one, and there is no config file for it.
    "Heimdall keeps its app list in its own database, edited in its web UI (its API can only add items, never change or remove them), so homelab cannot generate it from the routes. Use homepage instead: its app list is generated from the routes",
  ],
]);
