import * as assert from "node:assert/strict";
import { EnvFileError, interpolate, InterpolationError, parseEnvFile } from "../../../cli/import/interpolate";

// Every form of https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md
describe("compose interpolation", () => {
  const vars: Record<string, string> = { SET: "value", EMPTY: "", FOO: "foo" };
  const run = (text: string) => interpolate(text, (n) => vars[n]).value;

  it("substitutes $VAR and ${VAR}", () => {
    assert.equal(run("a-$SET-${SET}"), "a-value-value");
  });
  it("tells unset from empty for - and :-", () => {
    assert.equal(run("${UNSET:-d}|${EMPTY:-d}|${SET:-d}"), "d|d|value");
    assert.equal(run("${UNSET-d}|${EMPTY-d}|${SET-d}"), "d||value");
  });
  it("uses the alternative only when set (+) or set and non-empty (:+)", () => {
    assert.equal(run("${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}|${UNSET+alt}"), "alt||alt|");
  });
  it("stops on :? and ? with the message", () => {
    assert.throws(
      () => run("${EMPTY:?needs a value}"),
      (e: Error) => e instanceof InterpolationError && e.message === "required variable EMPTY is missing a value: needs a value",
    );
    assert.equal(run("${EMPTY?err}"), "");
    assert.throws(() => run("${UNSET?err}"), InterpolationError);
  });
  it("nests defaults", () => {
    assert.equal(run("${UNSET:-${FOO}}|${UNSET:-${ALSO_UNSET:-deep}}"), "foo|deep");
    assert.throws(() => run("${UNSET?$FOO}"), /missing a value: foo/);
  });
  it("keeps $$ as a literal $ and a lone $ as it is", () => {
    assert.equal(run("$${SET} $$SET cost: 5$ $1"), "${SET} $SET cost: 5$ $1");
  });
  it("warns about an unset variable and substitutes an empty string (Compose's behaviour)", () => {
    const r = interpolate("x${UNSET}y$ALSO", () => undefined);
    assert.equal(r.value, "xy");
    assert.deepEqual(r.unset, ["UNSET", "ALSO"]);
  });
  it("records every variable read, so secrets can be traced", () => {
    assert.deepEqual([...interpolate("${A:-${B}}", (n) => (n === "A" ? undefined : "b")).vars], ["A", "B"]);
  });
  it("refuses shell features Compose does not support and an unclosed brace", () => {
    assert.throws(() => run("${SET/foo/bar}"), /invalid interpolation format/);
    assert.throws(() => run("${SET"), /missing closing/);
  });
});

describe("compose env files", () => {
  it("follows the documented syntax", () => {
    const env = parseEnvFile(
      [
        "# comment",
        "",
        "A=1",
        "export B=two # comment",
        "C=x#not-a-comment",
        'D="quoted # kept" # comment',
        "E='$A literal'",
        'F="${A}-$B\\tend"',
        "G=${UNSET:-fallback}",
        "H='it\\'s'",
      ].join("\n"),
    );
    const values = Object.fromEntries([...env].map(([k, v]) => [k, v.value]));
    assert.deepEqual(values, { A: "1", B: "two", C: "x#not-a-comment", D: "quoted # kept", E: "$A literal", F: "1-two\tend", G: "fallback", H: "it's" });
    assert.equal(env.get("D")!.line, 6);
  });
  it("names the line of a broken entry", () => {
    assert.throws(
      () => parseEnvFile("A=1\nnot an entry"),
      (e: Error) => e instanceof EnvFileError && e.message === "line 2: expected KEY=VALUE",
    );
    assert.throws(() => parseEnvFile('A="open'), /line 1: the double quote is not closed/);
  });
});
