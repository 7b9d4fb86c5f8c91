/**
 * User text echoed back in a message, made harmless for a terminal: control characters (an escape
 * sequence could paint a fake "✓ applied" line, a carriage return overwrite the real one) and the
 * bidirectional overrides and isolates (which reorder what the reader sees) are written out as `\u{…}`,
 * and anything longer than `max` characters is cut with a note of how much was left out.
 */
// C0 and C1 controls, DEL, and Unicode's bidi marks, embeddings, overrides and isolates (Trojan Source, CVE-2021-42574).
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export const ECHO_LIMIT = 200;

export function visible(text: string, max: number = ECHO_LIMIT): string {
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  return cut.replace(INVISIBLE, (ch) => `\\u{${ch.charCodeAt(0).toString(16)}}`);
}

/** One `path: message` line of a list of config problems, as the CLI and the program print them. */
export function problemLine(p: { path: string; message: string }): string {
  return `  ${visible(p.path, 160)}: ${visible(p.message, 600)}`;
}
