/**
 * Display-name rules: NFC, trimmed, 1..32 characters (code points), and the
 * character rules every name keeps (proto/name-rules.ts: no control,
 * separator or bidi-control character, at least one visible character).
 */
import { nameCharFault } from '../../proto/index.ts';

/** Longest display name, in code points. */
export const MAX_DISPLAY_NAME_CHARS = 32;

/** Returns the normalised name, or null when `raw` is not acceptable. */
export function normalizeDisplayName(raw: string): string | null {
  const name = raw.normalize('NFC').trim();
  if (name === '' || nameCharFault(name) !== null) return null;
  let chars = 0;
  for (const _ of name) {
    if (++chars > MAX_DISPLAY_NAME_CHARS) return null;
  }
  return name;
}
