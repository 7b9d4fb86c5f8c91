import * as assert from "node:assert/strict";
import fc from "fast-check";
import { compareEnvNames, compareNames } from "../../topology/order";

/** Names as the schema allows them: DNS labels, and user names with '_' and '.' too. */
const nameArb = fc.stringMatching(/^[a-z0-9_.-]{0,8}$/);

describe("name order", () => {
  it("is the order localeCompare gives under the English collation, for every name the schema allows", () => {
    fc.assert(
      fc.property(nameArb, nameArb, (a, b) => {
        assert.equal(Math.sign(compareNames(a, b)), Math.sign(a.localeCompare(b, "en")), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }),
      { numRuns: 5000 },
    );
  });

  it("orders environment variable names as localeCompare does under the English collation (the order deployed env lists have)", () => {
    const envArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(envArb, envArb, (a, b) => {
        assert.equal(Math.sign(compareEnvNames(a, b)), Math.sign(a.localeCompare(b, "en")), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }),
      { numRuns: 5000 },
    );
    assert.deepEqual(["X1", "x1", "x_1", "b", "A", "a", "_x", "aB", "ab", "Ab"].sort(compareEnvNames), [
      "_x",
      "a",
      "A",
      "ab",
      "aB",
      "Ab",
      "b",
      "x_1",
      "x1",
      "X1",
    ]);
  });

  it("puts '_' before '-' before '.' before digits before letters, and a prefix first", () => {
    const names = ["b", "a0", "a.", "a-", "a_", "a", "ab", "a-b", "chrony", "homepage"];
    assert.deepEqual([...names].sort(compareNames), ["a", "a_", "a-", "a-b", "a.", "a0", "ab", "b", "chrony", "homepage"]);
  });

  it("does not follow the machine's locale (Czech would put 'ch' after 'h')", () => {
    assert.ok("chrony".localeCompare("homepage", "cs") > 0, "premise: Czech collation sorts ch after h");
    assert.ok(compareNames("chrony", "homepage") < 0);
  });
});
