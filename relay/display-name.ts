/**
 * Display-name rules: trimmed, 1..32 characters (code points), no control,
 * line-separator or bidi-override characters (they garble other users' lists
 * and logs).
 */

/** Longest display name, in code points. */
export const MAX_DISPLAY_NAME_CHARS = 32;

// Cc: C0/C1 controls; Zl/Zp: line/paragraph separators; 202A-202E, 2066-2069: bidi embeddings,
// overrides and isolates. ZWJ (Cf) stays allowed: emoji sequences need it.
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;

/** Returns the normalised name, or null when `raw` is not acceptable. */
export function normalizeDisplayName(raw: string): string | null {
  const name = raw.normalize('NFC').trim();
  if (name === '' || FORBIDDEN.test(name)) return null;
  let chars = 0;
  for (const _ of name) {
    if (++chars > MAX_DISPLAY_NAME_CHARS) return null;
  }
  return name;
}
