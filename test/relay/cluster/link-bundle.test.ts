/**
 * The relay-link message codec (relay/cluster/link-bundle.ts), a trust
 * boundary: frames packed for a peer come back whole and in order, no
 * message is past one packet unless it is one frame alone, and any bytes a
 * peer sends get a typed answer, never a throw, never a frame that is not a
 * FORWARDED datagram.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBundle, encodeForwarded, isForwarded, MAX_OPUS_BYTES } from '../../../proto/index.ts';
import { checkLinkMessage, forEachLinkFrame, MAX_LINK_MESSAGE_BYTES, packLinkFrames } from '../../../relay/cluster/link-bundle.ts';

const forwarded = fc
  .record({ sender: fc.nat(), room: fc.nat(), seq: fc.nat(), ts: fc.nat(), flags: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ minLength: 1, maxLength: MAX_OPUS_BYTES }) })
  .map((p) => encodeForwarded({ ...p, sender: p.sender >>> 0, room: p.room >>> 0, seq: p.seq >>> 0, ts: p.ts >>> 0 }));
const small = (seq: number): Uint8Array => encodeForwarded({ sender: 7, room: 1, seq, ts: 0, flags: 0, payload: new Uint8Array([seq]) });

function pack(frames: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  packLinkFrames(frames, (m) => void out.push(m));
  return out;
}

function unpack(messages: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of messages) forEachLinkFrame(m, (f) => void out.push(f));
  return out;
}

describe('relay link messages', () => {
  it('packed frames come back whole, in order, each message checked and within one packet unless a frame alone', () => {
    fc.assert(
      fc.property(fc.array(forwarded, { maxLength: 40 }), (frames) => {
        const messages = pack(frames);
        for (const m of messages) {
          const c = checkLinkMessage(m);
          expect(c.ok).toBe(true);
          if (c.ok && c.frames > 1) expect(m.byteLength).toBeLessThanOrEqual(MAX_LINK_MESSAGE_BYTES);
        }
        expect(unpack(messages)).toEqual(frames);
      }),
      { numRuns: 300 },
    );
  });

  it('as few messages as fit: small frames of one turn share one', () => {
    expect(pack([small(1), small(2), small(3)])).toHaveLength(1);
    expect(pack([small(1)])[0]).toEqual(small(1));
  });

  it('any bytes: a typed answer, never a throw; what passes yields only FORWARDED frames, as many as it said', () => {
    const kinds = fc.oneof(fc.uint8Array({ maxLength: 1_400 }), fc.uint8Array({ maxLength: 1_200 }).map((b) => Uint8Array.of(3, ...b)));
    fc.assert(
      fc.property(kinds, (bytes) => {
        const c = checkLinkMessage(bytes);
        if (!c.ok) return;
        const frames = unpack([bytes]);
        expect(frames).toHaveLength(c.frames);
        for (const f of frames) expect(isForwarded(f)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('a bundle cut short or changed anywhere is refused or still yields only FORWARDED frames', () => {
    fc.assert(
      fc.property(fc.array(forwarded.filter((f) => f.byteLength < 300), { minLength: 2, maxLength: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (frames, at, value) => {
        const [bundle] = pack(frames);
        fc.pre(bundle !== undefined && bundle[0] === 3);
        const cut = bundle!.subarray(0, at % bundle!.byteLength);
        expect(checkLinkMessage(cut).ok).toBe(false);
        const changed = new Uint8Array(bundle!);
        changed[at % changed.byteLength] = value;
        const c = checkLinkMessage(changed);
        if (c.ok) for (const f of unpack([changed])) expect(isForwarded(f)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('names what is wrong', () => {
    const two = encodeBundle([small(1), small(2)]);
    expect(checkLinkMessage(new Uint8Array(0))).toEqual({ ok: false, problem: 'empty' });
    expect(checkLinkMessage(Uint8Array.of(9, 1, 2))).toEqual({ ok: false, problem: 'unknown-kind' });
    expect(checkLinkMessage(Uint8Array.of(2, 1, 2))).toEqual({ ok: false, problem: 'bad-frame' });
    expect(checkLinkMessage(Uint8Array.of(3))).toEqual({ ok: false, problem: 'bad-count' });
    expect(checkLinkMessage(Uint8Array.of(3, 1, 0, 0))).toEqual({ ok: false, problem: 'bad-count' });
    expect(checkLinkMessage(new Uint8Array(MAX_LINK_MESSAGE_BYTES + 1).fill(3))).toEqual({ ok: false, problem: 'too-large' });
    expect(checkLinkMessage(Uint8Array.of(...two, 0))).toEqual({ ok: false, problem: 'bad-length' });
    expect(checkLinkMessage(two.subarray(0, two.byteLength - 1))).toEqual({ ok: false, problem: 'bad-length' });
    const inner = new Uint8Array(two);
    inner[4] = 0x01; // the first entry's kind byte: not FORWARDED
    expect(checkLinkMessage(inner)).toEqual({ ok: false, problem: 'bad-frame' });
    expect(checkLinkMessage(two)).toEqual({ ok: true, frames: 2 });
  });
});
