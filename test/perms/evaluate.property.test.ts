/**
 * Properties of evaluate (perms/evaluate.ts) on random trees, groups, rules
 * and subjects: it equals the reference model written from
 * docs/PERMISSIONS.md, its trace explains its answer, and the promises the
 * doc makes hold (allows only add, a deeper deny beats an inherited allow,
 * admins are never locked out, a room without `see` hides its subtree).
 * The seed is printed; PERMS_SEED=<n> replays it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ALL, bit, decidingStep, evaluate, PERMISSIONS, SERVER_WIDE } from '../../perms/index.ts';
import type { PermRoom, PermState, Rule, Subject } from '../../perms/index.ts';
import { KEYS, propertySeed, rule, state, subject } from './arbitraries.ts';
import { referenceEvaluate } from './reference.ts';

const seed = propertySeed('evaluate.property');
const params = { seed, numRuns: 300 };

function everyRoomAndSubject(s: PermState, subjects: readonly Subject[], check: (room: PermRoom, who: Subject) => void): void {
  for (const room of s.rooms.values()) for (const who of subjects) check(room, who);
}

function withRule(s: PermState, roomId: string, r: Rule): PermState {
  const rooms = new Map(s.rooms);
  const room = rooms.get(roomId)!;
  rooms.set(roomId, { ...room, acl: { ...room.acl, rules: [...room.acl.rules, r] } });
  return { rooms };
}

function isDescendant(s: PermState, id: string, ancestor: string): boolean {
  for (let p = s.rooms.get(id)?.parent ?? ''; p !== ''; p = s.rooms.get(p)?.parent ?? '') if (p === ancestor) return true;
  return false;
}

const roomLocal = PERMISSIONS.filter((p) => (bit(p) & SERVER_WIDE) === 0);

describe('evaluate (property)', () => {
  it('equals the reference model of docs/PERMISSIONS.md', () => {
    fc.assert(
      fc.property(state, fc.array(subject(), { minLength: 1, maxLength: 4 }), (s, subjects) => {
        everyRoomAndSubject(s, subjects, (room, who) => {
          expect(evaluate(s, who, room.id).permissions, `room ${room.id}`).toBe(referenceEvaluate(s, who, room.id));
        });
      }),
      params,
    );
  });

  it('explains itself: for every permission the deciding step set it exactly when it is granted', () => {
    fc.assert(
      fc.property(state, subject(), (s, who) => {
        for (const room of s.rooms.values()) {
          const e = evaluate(s, who, room.id);
          for (const p of PERMISSIONS) {
            const step = decidingStep(e, p);
            expect(step).not.toBeNull();
            expect((step!.set & bit(p)) !== 0).toBe((e.permissions & bit(p)) !== 0);
            expect(step!.inherited).toBe(step!.roomId !== room.id);
          }
        }
      }),
      params,
    );
  });

  it('adding an allow never removes a permission anywhere', () => {
    fc.assert(
      fc.property(state, fc.nat(), rule, fc.array(subject(), { minLength: 1, maxLength: 3 }), (s, pick, r, subjects) => {
        const roomId = `r${pick % s.rooms.size}`;
        const after = withRule(s, roomId, { ...r, id: 'added', deny: 0 });
        everyRoomAndSubject(s, subjects, (room, who) => {
          const was = evaluate(s, who, room.id).permissions;
          expect(evaluate(after, who, room.id).permissions & was).toBe(was);
        });
      }),
      params,
    );
  });

  it('a deny on a deeper room beats any allow inherited from above', () => {
    fc.assert(
      fc.property(state, fc.nat(), fc.constantFrom(...roomLocal), fc.constantFrom(...KEYS), fc.constantFrom('member' as const, 'guest' as const), (s0, pick, p, key, role) => {
        fc.pre(s0.rooms.size > 1);
        const target = `r${1 + (pick % (s0.rooms.size - 1))}`;
        // Every ancestor allows p to everyone and to this key, here and below.
        let s = s0;
        for (let id = s.rooms.get(target)!.parent; id !== ''; id = s.rooms.get(id)!.parent) {
          s = withRule(s, id, { id: `allow-${id}`, label: 'allow', who: { kind: 'key', keyHex: key }, where: 'anywhere', allow: bit(p), deny: 0, here: true, subs: true });
          s = withRule(s, id, { id: `all-${id}`, label: 'allow', who: { kind: 'everyone' }, where: 'anywhere', allow: bit(p), deny: 0, here: true, subs: true });
        }
        s = withRule(s, target, { id: 'deny', label: 'deny', who: { kind: 'key', keyHex: key }, where: 'anywhere', allow: 0, deny: bit(p), here: true, subs: false });
        const e = evaluate(s, { keyHex: key, role, roomId: null }, target);
        expect(e.permissions & bit(p)).toBe(0);
      }),
      params,
    );
  });

  it('no rule set locks out an admin: admins hold every permission in every room, hidden or not', () => {
    fc.assert(
      fc.property(state, subject(), (s, who) => {
        for (const room of s.rooms.values()) {
          const e = evaluate(s, { ...who, role: 'admin' }, room.id);
          expect(e.permissions).toBe(ALL);
          expect(e.trace[0]).toMatchObject({ ruleId: null, why: 'admin: admins may do everything' });
        }
      }),
      params,
    );
  });

  it('a room evaluated without see hides its whole subtree', () => {
    fc.assert(
      fc.property(state, subject(), (s, who) => {
        for (const room of s.rooms.values()) {
          if ((evaluate(s, who, room.id).permissions & bit('see')) !== 0) continue;
          for (const other of s.rooms.values()) {
            if (other.id === room.id || isDescendant(s, other.id, room.id)) {
              const e = evaluate(s, who, other.id);
              expect(e.permissions).toBe(0);
              expect(e.trace.at(-1)!.why).toMatch(/^hidden: /);
            }
          }
        }
      }),
      params,
    );
  });
});

