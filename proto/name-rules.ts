/**
 * Which characters a name may hold: display names (relay/presence/display-name.ts)
 * and room names (crdt/tree.ts), on the relay and in the browser alike
 * (docs/PROTOCOL.md, "Names"). Two rules:
 *
 * 1. No control, line/paragraph-separator or bidirectional-control
 *    character. Bidi controls (embeddings, overrides, isolates and the
 *    LRM/RLM/ALM marks) reorder the text around the name in lists, logs and
 *    chat lines; the client isolates names itself, so a name never needs one.
 * 2. At least one visible character: one that is not white space, not
 *    default-ignorable (zero-width spaces and joiners, variation selectors,
 *    Hangul fillers, tags, ...), not a combining mark on its own and not
 *    the blank Braille pattern. A name made only of such characters shows as
 *    nothing, which lets someone impersonate "nobody".
 *
 * Zero-width joiners and variation selectors stay allowed beside visible
 * characters: emoji sequences need them.
 */

/** C0/C1 controls, U+2028/U+2029, and every bidi control (ALM, LRM, RLM, LRE..RLO, LRI..PDI). */
const FORBIDDEN = /[\p{Cc}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** A character that shows something by itself. */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cc}\p{M}\u2800]/u;

/** Why `name` breaks the character rules, or null when it keeps them. */
export type NameCharFault = 'forbidden-character' | 'invisible';

/** Checks rule 1 then rule 2 (see the module comment); length and trimming are each name's own rule. */
export function nameCharFault(name: string): NameCharFault | null {
  if (FORBIDDEN.test(name)) return 'forbidden-character';
  if (!VISIBLE.test(name)) return 'invisible';
  return null;
}
