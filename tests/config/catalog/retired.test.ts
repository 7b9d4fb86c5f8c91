import * as assert from "node:assert/strict";
import { catalogEntry, RETIRED } from "../../../config/catalog";
import { buildPlan } from "../../../topology/plan";
import { minimalConfig } from "../../support/configs";

describe("retired catalog entries", () => {
  it("Heimdall is not in the catalog: nothing could generate its app list", () => {
    assert.equal(catalogEntry("heimdall"), undefined);
    assert.match(RETIRED.get("heimdall")!, /homepage/);
  });

  it("Heimdall with an image of the owner's runs as a custom service, with a warning naming Homepage", () => {
    const result = buildPlan(minimalConfig({ services: { heimdall: { image: "lscr.io/linuxserver/heimdall:2.7.4", port: 80 } } }));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.ok(
      result.warnings.some((w) => /^homelab:services\.heimdall: 'heimdall' runs as a custom service .* Use homepage instead/.test(w)),
      result.warnings.join("\n"),
    );
    assert.equal(result.plan.services.find((s) => s.name === "heimdall")?.catalog, undefined);
  });
});
