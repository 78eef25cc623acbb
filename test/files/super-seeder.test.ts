/**
 * The swarm's pure core (issue 16): the super-seeding sender's bound (each
 * chunk to at most `copies` live peers, given back when a peer leaves), and
 * the receiver's handling of refusals (not asked again of that peer until
 * something changes, asked of another holder at once) and scan spread.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Bitfield } from '../../proto/index.ts';
import { SuperSeeder, SwarmReceiver } from '../../files/index.ts';
import { testFile } from '../helpers/files/test-manifest.ts';

type Op = { kind: 'allow'; peer: number; chunk: number } | { kind: 'gone'; peer: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('allow' as const), peer: fc.nat(5), chunk: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gone' as const), peer: fc.nat(5) }) },
);

describe('SuperSeeder', () => {
  it('never hands a chunk to more than `copies` live peers, serves a peer its own chunk again, and frees copies of peers that left (model check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 200 }), (copies, ops) => {
        const s = new SuperSeeder(copies);
        const model = new Map<number, Set<number>>();
        for (const o of ops) {
          if (o.kind === 'gone') {
            s.peerGone(String(o.peer));
            for (const set of model.values()) set.delete(o.peer);
            continue;
          }
          const holders = model.get(o.chunk) ?? new Set<number>();
          const expected = holders.has(o.peer) || holders.size < copies;
          expect(s.allow(String(o.peer), o.chunk)).toBe(expected);
          if (expected) holders.add(o.peer);
          model.set(o.chunk, holders);
          expect(s.copiesOf(o.chunk)).toBe(holders.size);
          expect(s.copiesOf(o.chunk)).toBeLessThanOrEqual(copies);
        }
      }),
    );
  });

  it('bounds what the sender uploads while nobody leaves: at most `copies` grants per chunk, whatever the requests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(fc.tuple(fc.nat(9), fc.nat(15)), { maxLength: 300 }), (copies, requests) => {
        const s = new SuperSeeder(copies);
        const granted = new Set<string>();
        for (const [peer, chunk] of requests) if (s.allow(String(peer), chunk)) granted.add(`${peer}:${chunk}`);
        expect(granted.size).toBeLessThanOrEqual(copies * 16);
      }),
    );
  });

  it('refuses a copies count below one', () => {
    expect(() => new SuperSeeder(0)).toThrow(RangeError);
    expect(() => new SuperSeeder(1.5)).toThrow(RangeError);
  });
});

const fileOf = (chunks: number) => testFile(chunks);

describe('SwarmReceiver refusals and spread', () => {
  it('does not ask a peer again for a chunk it refused, asks another holder, and retries after retryRefused or a departure', async () => {
    const { fields, blocks } = await fileOf(1);
    const rx = new SwarmReceiver(fields);
    expect(await rx.addHashBlock(0, blocks[0]!)).toBe(true);
    rx.peerHas('sender', new Bitfield(1, true));
    expect(rx.next('sender')).toBe(0);
    rx.release('sender', 0);
    expect(rx.next('sender')).toBeUndefined();
    rx.peerHas('other', new Bitfield(1, true));
    expect(rx.next('other')).toBe(0);
    rx.release('other', 0);
    rx.retryRefused();
    expect(rx.next('sender')).toBe(0);
    rx.release('sender', 0);
    rx.peerGone('other');
    expect(rx.next('sender')).toBe(0);
  });

  it('starts each receiver at its own offset, so receivers of one sender ask it for different chunks first', async () => {
    const { fields, blocks } = await fileOf(8);
    const firsts = [0, 3, 6, 13].map((spread) => {
      const rx = new SwarmReceiver(fields, undefined, spread);
      return rx.addHashBlock(0, blocks[0]!).then(() => {
        rx.peerHas('sender', new Bitfield(8, true));
        return rx.next('sender');
      });
    });
    expect(await Promise.all(firsts)).toEqual([0, 3, 6, 5]);
  });
});
