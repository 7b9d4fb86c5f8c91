/**
 * The order the plan lists names in: services, subnet requests, Authelia users, VPN clients.
 *
 * Not `localeCompare`, for two reasons. Its first call initialises ICU's collator, about 6 ms: a fifth of
 * a cold plan of the home stack. And its order follows the machine's locale (Czech sorts "ch" after "h",
 * Danish "aa" after "z"), so the same stack could plan differently on two machines.
 *
 * This is the order `localeCompare` gives under the English (CLDR root) collation, for the characters
 * the schema allows in these names (a-z, 0-9, '-'; user names also '_' and '.'): punctuation first,
 * `_` before `-` before `.`, then digits, then letters. That is not plain code-unit order, where '_'
 * comes after the digits. Characters outside that set (no validated name has them) come last, by code unit.
 */
const ALPHABET = "_-.0123456789abcdefghijklmnopqrstuvwxyz";

function rank(s: string, i: number): number {
  const r = ALPHABET.indexOf(s[i]);
  return r >= 0 ? r : ALPHABET.length + s.charCodeAt(i);
}

/** A comparator for `Array.prototype.sort`: negative when `a` comes first. */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return rank(a, i) - rank(b, i);
  }
  return a.length - b.length;
}

/**
 * The order of environment variable names (`[A-Za-z_][A-Za-z0-9_]*`) that `localeCompare` gives under the English
 * collation, which the engine's env lists were first sorted in (so a deployed container keeps its order): letters
 * compared without case first, then, at the first letter whose case differs, lower case first.
 */
export function compareEnvNames(a: string, b: string): number {
  const byLetters = compareNames(a.toLowerCase(), b.toLowerCase());
  if (byLetters !== 0) return byLetters;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] === a[i].toLowerCase() ? -1 : 1;
  return 0;
}
