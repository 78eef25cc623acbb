/**
 * The relay's paged frames (relay/connection/paged-frames.ts) decode as the Envelopes
 * they claim to be, carry every item once in order, and stay within the page
 * size, for any roster, chat summary or sync message (property).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, MAX_CONTROL_FRAME_BYTES, Role, SyncAssembler } from '../../../proto/index.ts';
import { chatSummaryFrames, crdtSyncFrames, presencePageFrames } from '../../../relay/connection/paged-frames.ts';
import type { Member } from '../../../relay/presence/presence.ts';

const member: fc.Arbitrary<Member> = fc.record({
  sessionId: fc.integer({ min: 1, max: 2 ** 31 }),
  publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  displayName: fc.string({ unit: 'grapheme', maxLength: 32 }),
  roomId: fc.stringMatching(/^[a-z0-9-]{1,32}$/),
  muted: fc.boolean(),
  deafened: fc.boolean(),
  role: fc.constantFrom(Role.GUEST, Role.MEMBER, Role.ADMIN),
});

function decoded(frame: Uint8Array) {
  const d = decodeEnvelope(frame);
  if (!d.ok) throw new Error(d.error.detail);
  return d.value.msg;
}

describe('presencePageFrames', () => {
  it('decodes to pages holding every member once, in order, the last page marked, each within the page size (property)', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 120 }), fc.integer({ min: 300, max: 4000 }), (members, pageBytes) => {
        const frames = presencePageFrames(members, pageBytes);
        const pages = frames.map(decoded);
        for (const [i, f] of frames.entries()) expect(f.byteLength).toBeLessThanOrEqual(pageBytes + 8 + (i === frames.length - 1 ? 2 : 0));
        expect(pages.every((p) => p.case === 'presencePage')).toBe(true);
        const users = pages.flatMap((p) => (p.case === 'presencePage' ? p.value.users : []));
        expect(users.map((u) => [u.sessionId, u.displayName, u.roomId, u.muted, u.role])).toEqual(members.map((m) => [m.sessionId, m.displayName, m.roomId, m.muted, m.role]));
        expect(pages.map((p) => p.case === 'presencePage' && p.value.last)).toEqual(pages.map((_, i) => i === pages.length - 1));
      }),
    );
  });

  it('5,000 members with the longest names fit frames a client accepts', () => {
    const name = 'é'.repeat(32);
    const members = Array.from({ length: 5000 }, (_, i) => ({ sessionId: i + 1, publicKey: new Uint8Array(32).fill(1), displayName: name, roomId: 'a'.repeat(32), muted: true, deafened: true, role: Role.ADMIN }));
    const frames = presencePageFrames(members, MAX_CONTROL_FRAME_BYTES / 2);
    expect(Math.max(...frames.map((f) => f.byteLength))).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
    expect(frames.flatMap((f) => { const m = decoded(f); return m.case === 'presencePage' ? m.value.users : []; })).toHaveLength(5000);
  });
});

describe('chatSummaryFrames and crdtSyncFrames', () => {
  it('chat heads: every head once, last page marked', () => {
    const heads = Array.from({ length: 3000 }, (_, i) => ({ target: { to: { case: 'roomId' as const, value: `room-${i}` } }, lastSeq: BigInt(i) }));
    const pages = chatSummaryFrames(heads, 4096).map(decoded);
    expect(pages.length).toBeGreaterThan(1);
    const got = pages.flatMap((p) => (p.case === 'chatSummary' ? p.value.heads.map((h) => Number(h.lastSeq)) : []));
    expect(got).toEqual(heads.map((_, i) => i));
    expect(pages.map((p) => p.case === 'chatSummary' && p.value.last)).toEqual(pages.map((_, i) => i === pages.length - 1));
  });

  it('sync chunks: frames within the page size that join back to the message (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.integer({ min: 200, max: 5000 }), fc.nat({ max: 9 }), (data, pageBytes, epoch) => {
        const a = new SyncAssembler();
        let whole: Uint8Array | undefined;
        for (const f of crdtSyncFrames('members', data, epoch, pageBytes)) {
          expect(f.byteLength).toBeLessThanOrEqual(pageBytes);
          const m = decoded(f);
          if (m.case !== 'crdtSync') throw new Error(m.case);
          expect([m.value.doc, m.value.epoch]).toEqual(['members', epoch]);
          const r = a.push(m.value);
          if (r.kind === 'whole') whole = r.data;
        }
        expect(whole && [...whole]).toEqual([...data]);
      }),
    );
  });
});
