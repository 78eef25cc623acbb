/**
 * The relay-link signalling codec (relay/cluster/link-codec.ts): a signed
 * description round-trips; any change to a signed field, another key, another
 * addressee or an old time stamp is refused with its reason; garbage and
 * truncations never throw.
 */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawPublicKey } from '../../../relay/access/ed25519.ts';
import { decodeLinkReply, decodeLinkSignal, encodeLinkRefusal, encodeLinkSignal, LINK_SIGNAL_SKEW_MS } from '../../../relay/cluster/link-codec.ts';
import type { LinkSignal } from '../../../relay/cluster/link-codec.ts';

const org = generateKeyPairSync('ed25519').privateKey;
const orgKey = rawPublicKey(org);
const other = generateKeyPairSync('ed25519').privateKey;
const NOW = 1_800_000_000_000;

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
const signal = fc.record({
  type: fc.constantFrom('offer' as const, 'answer' as const, 'ring' as const),
  from: id,
  to: id,
  ts: fc.integer({ min: NOW - LINK_SIGNAL_SKEW_MS, max: NOW + LINK_SIGNAL_SKEW_MS }),
  sdp: fc.string({ minLength: 1, maxLength: 2_000 }),
}).filter((s) => s.from !== s.to);

const check = (s: LinkSignal) => ({ orgKey, self: s.to, expected: [s.type], now: NOW });
const json = (data: Uint8Array): Record<string, unknown> => JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
const bytesOf = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));

describe('relay link signalling', () => {
  it('a signed description round-trips', () => {
    fc.assert(
      fc.property(signal, (s) => {
        expect(decodeLinkSignal(encodeLinkSignal(s, org), check(s))).toEqual({ ok: true, value: s });
      }),
      { numRuns: 100 },
    );
  });

  it('a changed signed field is refused as a bad signature', () => {
    fc.assert(
      fc.property(signal, fc.constantFrom('from', 'ts', 'sdp'), (s, field) => {
        const o = json(encodeLinkSignal(s, org));
        o[field] = field === 'ts' ? (s.ts as number) + 1 : field === 'from' ? `${s.from.slice(0, 31)}${s.from.endsWith('x') ? 'y' : 'x'}` : `${s.sdp} `;
        const d = decodeLinkSignal(bytesOf(o), check(s));
        expect(d.ok).toBe(false);
        if (!d.ok) expect(['bad-signature', 'malformed', 'not-for-us']).toContain(d.problem);
      }),
      { numRuns: 100 },
    );
  });

  it('another key, another addressee, an old stamp, the wrong type: each refused with its reason', () => {
    const s: LinkSignal = { type: 'offer', from: 'r1', to: 'r2', ts: NOW, sdp: 'v=0' };
    expect(decodeLinkSignal(encodeLinkSignal(s, other), check(s))).toEqual({ ok: false, problem: 'bad-signature' });
    expect(decodeLinkSignal(encodeLinkSignal(s, org), { ...check(s), self: 'r3' })).toEqual({ ok: false, problem: 'not-for-us' });
    expect(decodeLinkSignal(encodeLinkSignal({ ...s, ts: NOW - LINK_SIGNAL_SKEW_MS - 1 }, org), check(s))).toEqual({ ok: false, problem: 'stale' });
    expect(decodeLinkSignal(encodeLinkSignal(s, org), { ...check(s), expected: ['answer', 'ring'] })).toEqual({ ok: false, problem: 'malformed' });
    // A relay's own signal coming back to it (self = from) is not for it.
    expect(decodeLinkSignal(encodeLinkSignal({ ...s, to: 'r1' }, org), { ...check(s), self: 'r1' })).toEqual({ ok: false, problem: 'not-for-us' });
  });

  it('a refusal reply decodes with its code; an answer reply is checked like a signal', () => {
    expect(decodeLinkReply(encodeLinkRefusal(134, 'offer bad-signature'), { orgKey, self: 'r1', now: NOW })).toEqual({ ok: true, value: { ok: false, code: 134, detail: 'offer bad-signature' } });
    const answer: LinkSignal = { type: 'answer', from: 'r2', to: 'r1', ts: NOW, sdp: 'v=0' };
    expect(decodeLinkReply(encodeLinkSignal(answer, org), { orgKey, self: 'r1', now: NOW })).toEqual({ ok: true, value: { ok: true, signal: answer } });
    expect(decodeLinkReply(encodeLinkSignal(answer, other), { orgKey, self: 'r1', now: NOW })).toEqual({ ok: false, problem: 'bad-signature' });
  });

  it('garbage, truncations and wrong shapes never throw', () => {
    const good = encodeLinkSignal({ type: 'offer', from: 'r1', to: 'r2', ts: NOW, sdp: 'v=0' }, org);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: good.byteLength }).map((n) => good.subarray(0, n)), fc.jsonValue().map(bytesOf)), (data) => {
        const d = decodeLinkSignal(data, { orgKey, self: 'r2', expected: ['offer'], now: NOW });
        const r = decodeLinkReply(data, { orgKey, self: 'r2', now: NOW });
        if (data.byteLength < good.byteLength) expect(d.ok).toBe(false);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
    expect(decodeLinkSignal(new Uint8Array(20_000).fill(0x20), { orgKey, self: 'r2', expected: ['offer'], now: NOW })).toEqual({ ok: false, problem: 'malformed' });
  });
});
