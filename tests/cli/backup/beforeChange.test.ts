import * as assert from "node:assert/strict";
import { targetsAtRisk } from "../../../cli/backup/beforeChange";
import { minimalBackupConfig, planOf } from "../../support/configs";

describe("backup CLI pieces", () => {
  it("picks exactly the services whose stateful containers a change replaces or deletes", () => {
    const backup = planOf(minimalBackupConfig()).backup!;
    const change = (name: string, kind: string, type = "docker:Container") => ({ type, name, change: kind });
    const services = (changes: ReturnType<typeof change>[]) => targetsAtRisk(backup, changes).map((t) => t.service);
    assert.deepEqual(
      services([
        change("immich-redis", "replace"),
        change("jellyfin", "update"),
        change("sonarr", "create"),
        change("vnet-jellyfin", "replace", "docker:Network"),
      ]),
      [],
    );
    assert.deepEqual(services([change("immich-db", "replace"), change("immich", "replace"), change("jellyfin", "delete")]), ["immich", "jellyfin"]);
    // a service removed from the stack: recognised by name, its config folder kept
    const removed = targetsAtRisk(backup, [change("radarr", "delete")]);
    assert.deepEqual(
      removed.map((t) => [t.service, t.paths]),
      [["radarr", ["/srv/homelab/config/radarr"]]],
    );
  });
});
