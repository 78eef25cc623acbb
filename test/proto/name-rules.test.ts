/**
 * Name character rules (proto/name-rules.ts) as the relay applies them to
 * display names (relay/presence/display-name.ts) and the shared tree check applies
 * them to room names (crdt/tree.ts): names made only of invisible or
 * bidi-control characters, and names holding a bidi control, are refused by
 * both; ordinary names (emoji sequences with ZWJ included) are kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRoomName } from '../../crdt/index.ts';
import { nameCharFault } from '../../proto/index.ts';
import { normalizeDisplayName } from '../../relay/index.ts';

/** Invisible on their own: spaces, zero-width and format characters, fillers, lone marks. */
const INVISIBLE = [' ', '\u00a0', '\u00ad', '\u034f', '\u115f', '\u1160', '\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\u2800', '\u3000', '\u3164', '\ufe0f', '\ufeff', '\uffa0', '\u0301', '\u{e0041}'];
/** Bidi controls: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. */
const BIDI = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
const VISIBLE = fc.constantFrom('a', 'Z', '7', 'é', 'ß', 'Ж', '中', 'ش', '👍', '👩‍💻', '🏳️‍🌈');

const both = (name: string) => ({ display: normalizeDisplayName(name) !== null, room: checkRoomName(name) === null });

describe('name character rules', () => {
  it('refuses names made only of invisible and bidi-control characters, as display and room names', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...INVISIBLE, ...BIDI), { minLength: 1, maxLength: 12 }), (chars) => {
        const name = chars.join('');
        expect(nameCharFault(name)).not.toBeNull();
        expect(both(name)).toEqual({ display: false, room: false });
      }),
    );
  });

  it('refuses any name holding a bidi control, wherever it is', () => {
    fc.assert(
      fc.property(fc.array(VISIBLE, { minLength: 1, maxLength: 8 }), fc.constantFrom(...BIDI), fc.nat(), (parts, bidi, at) => {
        const chars: string[] = [...parts];
        chars.splice(at % (chars.length + 1), 0, bidi);
        const name = chars.join('');
        expect(nameCharFault(name)).toBe('forbidden-character');
        expect(both(name)).toEqual({ display: false, room: false });
      }),
    );
  });

  it('keeps names with a visible character and no forbidden one, invisible joiners included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(VISIBLE, fc.constantFrom('\u200d', '\ufe0f', '\u0301')), { maxLength: 6 }), VISIBLE, (rest, first) => {
        const name = first + rest.join('');
        expect(nameCharFault(name)).toBeNull();
        if ([...name.normalize('NFC')].length <= 32) expect(normalizeDisplayName(name)).toBe(name.normalize('NFC'));
        expect(checkRoomName(name)).toBeNull();
      }),
    );
  });

  it('never throws on arbitrary strings, and refuses every C0/C1 control', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (s) => void nameCharFault(s)), { numRuns: 200 });
    for (let c = 0; c < 0xa0; c = c === 0x1f ? 0x7f : c + 1) expect(nameCharFault(`a${String.fromCharCode(c)}b`)).toBe('forbidden-character');
  });
});
