/**
 * Compose's variable interpolation and `.env` files, as the Compose Specification defines them:
 * https://github.com/compose-spec/compose-spec/blob/main/12-interpolation.md
 * (also https://docs.docker.com/reference/compose-file/interpolation/ and, for the env file,
 * https://docs.docker.com/compose/how-tos/environment-variables/variable-interpolation/#env-file-syntax).
 *
 * No npm package implements these rules (dotenv-expand has no `:?`, `?`, `+` and no `$$`), so this is a
 * small module of our own, tested against every form the spec lists.
 */

export type Lookup = (name: string) => string | undefined;

/** `${VAR:?err}` / `${VAR?err}` with no value, or a malformed `${…}`: Compose stops with an error. */
export class InterpolationError extends Error {}

export interface Interpolated {
  value: string;
  /** Every variable the text read (also inside a default that was used): lets a caller see where secrets went. */
  vars: Set<string>;
  /** Variables that were unset and had no default: Compose warns and substitutes an empty string. */
  unset: string[];
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const BRACED = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?+])([\s\S]*))?$/;

/** Index of the `}` closing the `${` whose body starts at `start`, counting nested `${…}`. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "$") i++;
    else if (text[i] === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

export function interpolate(text: string, lookup: Lookup): Interpolated {
  const vars = new Set<string>();
  const unset: string[] = [];
  const expand = (s: string): string => {
    let out = "";
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== "$") {
        out += s[i];
        continue;
      }
      const next = s[i + 1];
      if (next === "$") {
        out += "$"; // `$$` is a literal dollar sign, left for the container
        i++;
      } else if (next === "{") {
        const end = closingBrace(s, i + 2);
        if (end < 0) throw new InterpolationError(`invalid interpolation format for "${s.slice(i)}": missing closing '}'`);
        out += braced(s.slice(i + 2, end), s.slice(i, end + 1));
        i = end;
      } else {
        const name = NAME.exec(s.slice(i + 1))?.[0];
        if (!name)
          out += "$"; // not a variable: Compose keeps the `$` as it is
        else {
          out += direct(name);
          i += name.length;
        }
      }
    }
    return out;
  };
  const direct = (name: string): string => {
    vars.add(name);
    const v = lookup(name);
    if (v === undefined) unset.push(name);
    return v ?? "";
  };
  const braced = (body: string, whole: string): string => {
    const m = BRACED.exec(body);
    if (!m)
      throw new InterpolationError(
        `invalid interpolation format for "${whole}": Compose supports \${VAR}, \${VAR:-default}, \${VAR-default}, \${VAR:?error}, \${VAR?error}, \${VAR:+alt} and \${VAR+alt}`,
      );
    const [, name, op, arg = ""] = m;
    if (!op) return direct(name);
    vars.add(name);
    const v = lookup(name);
    const set = v !== undefined && (op.startsWith(":") ? v !== "" : true);
    switch (op) {
      case ":-":
      case "-":
        return set ? v! : expand(arg);
      case ":?":
      case "?":
        if (!set) throw new InterpolationError(`required variable ${name} is missing a value${arg ? `: ${expand(arg)}` : ""}`);
        return v!;
      default: // ":+" and "+"
        return set ? expand(arg) : "";
    }
  };
  return { value: expand(text), vars, unset };
}

export interface EnvFileEntry {
  value: string;
  line: number;
}

/** An env file that breaks the syntax: Compose refuses it too. */
export class EnvFileError extends Error {}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"', "'": "'" };

/**
 * A `.env` file: `KEY=VALUE` lines, `#` comments, optional `export `. Unquoted and double-quoted values are
 * interpolated (from the entries above and `outer`); single-quoted ones are literal.
 */
export function parseEnvFile(text: string, outer: Lookup = () => undefined): Map<string, EnvFileEntry> {
  const entries = new Map<string, EnvFileEntry>();
  const lookup: Lookup = (name) => entries.get(name)?.value ?? outer(name);
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(trimmed);
    if (!m) throw new EnvFileError(`line ${line}: expected KEY=VALUE`);
    const [, key, rest] = m;
    entries.set(key, { value: envValue(rest, line, lookup), line });
  });
  return entries;
}

function envValue(rest: string, line: number, lookup: Lookup): string {
  const quote = rest[0];
  if (quote !== '"' && quote !== "'") {
    // an inline comment needs a space before its `#` (`VAL# x` is all value)
    const value = rest.replace(/\s+#.*$/, "").trim();
    return interpolate(value, lookup).value;
  }
  let body = "";
  let i = 1;
  for (; i < rest.length && rest[i] !== quote; i++) {
    if (rest[i] === "\\" && i + 1 < rest.length && (quote === '"' || rest[i + 1] === "'")) {
      body += ESCAPES[rest[i + 1]] ?? `\\${rest[i + 1]}`;
      i++;
    } else body += rest[i];
  }
  if (i >= rest.length) throw new EnvFileError(`line ${line}: the ${quote === '"' ? "double" : "single"} quote is not closed`);
  const after = rest.slice(i + 1).trim();
  if (after !== "" && !after.startsWith("#")) throw new EnvFileError(`line ${line}: unexpected text after the closing quote`);
  return quote === "'" ? body : interpolate(body, lookup).value;
}
