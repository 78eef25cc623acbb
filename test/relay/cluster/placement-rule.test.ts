/**
 * The room placement rule (relay/cluster/placement/placement-rule.ts),
 * properties over arbitrary member counts: no flapping between two relays on
 * the same counts, one preferred relay per view, a holder without members
 * gives the room up, nobody is steered to itself or to a dead holder, and a
 * simulated cluster whose clients follow the steering ends with each room on
 * one relay.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FREE_ROUNDS_BEFORE_ANY, countRooms, leaseAction, preferred, steerTo, yields } from '../../../relay/cluster/placement/placement-rule.ts';

const RELAYS = ['r1', 'r2', 'r3', 'r4'];
const counts = fc.array(fc.nat({ max: 50 }), { minLength: RELAYS.length, maxLength: RELAYS.length }).map((ns) => new Map(ns.map((n, i) => [RELAYS[i]!, n])));
const eligibleSet = fc.subarray(RELAYS);

describe('placement rule', () => {
  it('never yields both ways: a room does not flap between two relays on the same counts', () => {
    fc.assert(fc.property(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }), (a, b) => !(yields(a, b) && yields(b, a))));
  });

  it('a holder yields only to clearly more members (more than twice, at least two more)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000 }), fc.nat({ max: 1_000 }), (h, o) => {
        expect(yields(h, o)).toBe(o > 2 * h && o - h >= 2);
        if (yields(h, o)) expect(o).toBeGreaterThan(h);
      }),
    );
    expect(yields(0, 1)).toBe(false);
    expect(yields(1, 3)).toBe(true);
    expect(yields(2, 4)).toBe(false);
  });

  it('in one view, exactly the preferred relay takes a free lease at once; others only after the free rounds', () => {
    fc.assert(
      fc.property(counts, eligibleSet, (c, el) => {
        const eligible = (r: string): boolean => el.includes(r);
        const best = preferred(c, eligible);
        const takers = RELAYS.filter((me) => leaseAction({ me, counts: c, holder: null, eligible, freeRounds: 0 }) === 'acquire');
        expect(takers).toEqual(best === null ? [] : [best]);
        if (best !== null) {
          // The preferred relay has the most members among the eligible ones.
          for (const r of el) expect(c.get(r)!).toBeLessThanOrEqual(c.get(best)!);
        }
        for (const me of RELAYS) {
          const late = leaseAction({ me, counts: c, holder: null, eligible, freeRounds: FREE_ROUNDS_BEFORE_ANY });
          expect(late === 'acquire').toBe(eligible(me) && c.get(me)! > 0);
        }
      }),
    );
  });

  it('the holder renews while it has members and no relay has clearly more, releases otherwise; others do nothing', () => {
    fc.assert(
      fc.property(counts, eligibleSet, fc.constantFrom(...RELAYS), (c, el, holder) => {
        const eligible = (r: string): boolean => el.includes(r);
        const mine = c.get(holder)!;
        const outnumbered = RELAYS.some((r) => r !== holder && eligible(r) && yields(mine, c.get(r)!));
        expect(leaseAction({ me: holder, counts: c, holder, eligible, freeRounds: 0 })).toBe(mine === 0 || outnumbered ? 'release' : 'renew');
        for (const me of RELAYS) if (me !== holder) expect(leaseAction({ me, counts: c, holder, eligible, freeRounds: 9 })).toBe('none');
      }),
    );
  });

  it('steers only to a live holder that is not this relay, and not while this relay is about to be handed the room', () => {
    fc.assert(
      fc.property(counts, fc.constantFrom(...RELAYS), fc.option(fc.constantFrom(...RELAYS), { nil: null }), fc.boolean(), (c, me, holder, holderLive) => {
        const to = steerTo({ me, counts: c, holder, holderLive });
        if (to !== null) {
          expect(to).toBe(holder);
          expect(to).not.toBe(me);
          expect(holderLive).toBe(true);
          expect(yields(c.get(holder!)!, c.get(me)!)).toBe(false);
        } else if (holder !== null && holder !== me && holderLive) expect(yields(c.get(holder)!, c.get(me)!)).toBe(true);
      }),
    );
  });

  it('counts members per placed room and relay, local users under this relay', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ sessionId: fc.nat(), roomId: fc.constantFrom('a', 'b', 'lobby'), relay: fc.option(fc.constantFrom('r2', 'r3'), { nil: undefined }) })), (ms) => {
        const byId = new Map(ms.map((m, i) => [i, m]));
        const rooms = countRooms([...byId].map(([sessionId, m]) => ({ sessionId, roomId: m.roomId })), (id) => byId.get(id)!.relay, 'r1', (r) => r !== 'lobby');
        expect(rooms.has('lobby')).toBe(false);
        for (const room of ['a', 'b']) {
          for (const relay of ['r1', 'r2', 'r3']) {
            const want = ms.filter((m) => m.roomId === room && (m.relay ?? 'r1') === relay).length;
            expect(rooms.get(room)?.get(relay) ?? 0).toBe(want);
          }
        }
      }),
    );
  });

  it('a simulated cluster whose clients follow the steering ends with each room on one relay, and stays there', () => {
    // Each round: every relay acts on the shared view (create: the first taker wins), then clients move as steered.
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: 6 }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 4 }), (start) => {
        const relays = ['r1', 'r2', 'r3'];
        const eligible = (): boolean => true;
        let rooms = start.map((ns) => new Map(ns.map((n, i) => [relays[i]!, n])));
        const holders: (string | null)[] = rooms.map(() => null);
        const free = rooms.map(() => 0);
        for (let round = 0; round < 12; round++) {
          rooms.forEach((c, room) => {
            for (const me of relays) {
              const a = leaseAction({ me, counts: c, holder: holders[room]!, eligible, freeRounds: free[room]! });
              if (a === 'acquire' && holders[room] === null) holders[room] = me;
              if (a === 'release' && holders[room] === me) holders[room] = null;
            }
            free[room] = holders[room] === null ? free[room]! + 1 : 0;
          });
          rooms = rooms.map((c, room) => {
            const next = new Map(c);
            for (const me of relays) {
              const to = steerTo({ me, counts: c, holder: holders[room]!, holderLive: true });
              if (to === null) continue;
              next.set(to, next.get(to)! + next.get(me)!);
              next.set(me, 0);
            }
            return next;
          });
        }
        rooms.forEach((c, room) => {
          const spread = [...c.values()].filter((n) => n > 0).length;
          expect(spread).toBeLessThanOrEqual(1);
          if (spread === 1) expect(c.get(holders[room]!)).toBeGreaterThan(0);
        });
      }),
    );
  });
});
