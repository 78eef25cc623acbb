/**
 * The tree index (children by parent, sibling names) must always equal a
 * full recomputation, and the rules must give the same verdicts and results
 * on an indexed tree as on a plain (scanned) Map.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, childrenOf, IndexedRooms, nameKey, ROOT_ID, subtreeOf, validateOp } from '../../crdt/index.ts';
import type { Actor, OpIntent, RoomRecord, Rooms } from '../../crdt/index.ts';
import { defaultAcl } from '../../perms/index.ts';

const admin: Actor = { keyHex: 'aa', role: 'admin' };
const ctx = { occupancy: () => 0 };
const ids = ['root', 'a', 'b', 'c', 'd', 'e', 'f', 'g'];
// Few names with case and composition variants, so duplicates are common.
const names = ['Lobby', 'lobby', 'LOBBY', 'Café', 'Cafe\u0301', 'Games', 'x'];

const intent: fc.Arbitrary<OpIntent> = fc.oneof(
  fc.record({ roomId: fc.constantFrom(...ids), parentId: fc.constantFrom(...ids), name: fc.constantFrom(...names), index: fc.nat(6), description: fc.constant(''), userLimit: fc.constant(0) }).map((args) => ({ kind: 'room.create' as const, args })),
  fc.record({ roomId: fc.constantFrom(...ids), name: fc.constantFrom(...names) }).map((args) => ({ kind: 'room.rename' as const, args })),
  fc.record({ roomId: fc.constantFrom(...ids), parentId: fc.constantFrom(...ids), index: fc.nat(6) }).map((args) => ({ kind: 'room.move' as const, args })),
  fc.record({ roomId: fc.constantFrom(...ids) }).map((args) => ({ kind: 'room.delete' as const, args })),
);

function seed(): RoomRecord {
  return { id: ROOT_ID, name: 'Server', parent: '', position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(true) };
}

/** The index as a full scan computes it. */
function recompute(rooms: Rooms): { children: Map<string, string[]>; names: Map<string, string[]> } {
  const children = new Map<string, string[]>();
  const byName = new Map<string, string[]>();
  for (const r of rooms.values()) {
    children.set(r.parent, [...(children.get(r.parent) ?? []), r.id].sort());
    const key = `${r.parent}/${nameKey(r.name)}`;
    byName.set(key, [...(byName.get(key) ?? []), r.id].sort());
  }
  return { children, names: byName };
}

function indexed(rooms: IndexedRooms): { children: Map<string, string[]>; names: Map<string, string[]> } {
  const children = new Map<string, string[]>();
  const byName = new Map<string, string[]>();
  for (const r of rooms.values()) {
    children.set(r.parent, [...rooms.childIds(r.parent)].sort());
    byName.set(`${r.parent}/${nameKey(r.name)}`, [...rooms.idsNamed(r.parent, r.name)].sort());
  }
  return { children, names: byName };
}

describe('IndexedRooms', () => {
  it('always equals a full recomputation, and gives the same verdicts and results as a plain Map', () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 60 }), (ops) => {
        const fast = new IndexedRooms([[ROOT_ID, seed()]]);
        const plain: Rooms = new Map([[ROOT_ID, seed()]]);
        let voice = 2;
        for (const op of ops) {
          const verdict = validateOp(fast, admin, op, ctx);
          expect(verdict).toEqual(validateOp(plain, admin, op, ctx));
          if (verdict) continue;
          const id = voice++;
          expect([...applyOp(fast, op, () => id)].sort()).toEqual([...applyOp(plain, op, () => id)].sort());
          expect(new Map(fast)).toEqual(plain);
          expect(indexed(fast)).toEqual(recompute(fast));
          for (const r of fast.values()) {
            expect(childrenOf(fast, r.id)).toEqual(childrenOf(plain, r.id));
            expect(subtreeOf(fast, r.id).sort()).toEqual(subtreeOf(plain, r.id).sort());
          }
        }
        // Nothing stale is left for rooms that are gone.
        for (const id of ids) if (!fast.has(id)) expect(fast.childIds(id).size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the index across direct set, delete and clear', () => {
    const rooms = new IndexedRooms();
    rooms.set('root', seed());
    rooms.set('a', { ...seed(), id: 'a', parent: 'root', name: 'Lobby' });
    expect([...rooms.idsNamed('root', 'LOBBY')]).toEqual(['a']);
    rooms.set('a', { ...seed(), id: 'a', parent: 'root', name: 'Games' });
    expect(rooms.idsNamed('root', 'lobby').size).toBe(0);
    expect([...rooms.idsNamed('root', 'games')]).toEqual(['a']);
    rooms.delete('a');
    expect(rooms.childIds('root').size).toBe(0);
    rooms.set('b', { ...seed(), id: 'b', parent: 'root', name: 'x' });
    rooms.clear();
    expect(rooms.childIds('root').size).toBe(0);
    expect(rooms.size).toBe(0);
  });
});
