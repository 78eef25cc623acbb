/**
 * Tree projections (relay/visibility/tree-projection.ts): for random trees,
 * random accepted ops and random hidden sets, a projection (and a replica
 * that applied exactly what the projection sent) always holds exactly the
 * visible rooms, equals a fresh projection of the full state, and never held
 * a key of a hidden room — so no encoding of it can carry a hidden id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyOp, clientHandleSync, encodeFullStep2, readRooms, ROOT_ID, validateOp } from '../../../crdt/index.ts';
import type { OpIntent, Rooms } from '../../../crdt/index.ts';
import { defaultAcl } from '../../../perms/index.ts';
import { TreeProjection } from '../../../relay/visibility/tree-projection.ts';
import { projectRooms } from '../../../relay/visibility/visible-set.ts';

const ADMIN = { keyHex: 'a'.repeat(64), role: 'admin' } as const;
const IDS = Array.from({ length: 12 }, (_, i) => `r${i}`);

type Step = { readonly op: OpIntent; readonly hide: readonly boolean[] };

const op: fc.Arbitrary<OpIntent> = fc.oneof(
  fc.record({ roomId: fc.constantFrom(...IDS), parentId: fc.constantFrom(ROOT_ID, ...IDS), name: fc.constantFrom('Staff', 'Lobby', 'Ops', 'Secret'), index: fc.nat(4), description: fc.string({ maxLength: 8 }), userLimit: fc.constant(0) })
    .map((args) => ({ kind: 'room.create' as const, args })),
  fc.record({ roomId: fc.constantFrom(...IDS), name: fc.constantFrom('Staff2', 'Quiet', 'X') }).map((args) => ({ kind: 'room.rename' as const, args })),
  fc.record({ roomId: fc.constantFrom(...IDS), parentId: fc.constantFrom(ROOT_ID, ...IDS), index: fc.nat(4) }).map((args) => ({ kind: 'room.move' as const, args })),
  fc.record({ roomId: fc.constantFrom(...IDS) }).map((args) => ({ kind: 'room.delete' as const, args })),
  fc.record({ roomId: fc.constantFrom(...IDS), description: fc.string({ maxLength: 8 }), userLimit: fc.nat(9) }).map((args) => ({ kind: 'room.describe' as const, args })),
);
const step: fc.Arbitrary<Step> = fc.record({ op, hide: fc.array(fc.boolean(), { minLength: IDS.length, maxLength: IDS.length }) });

function initialRooms(): Rooms {
  return new Map([[ROOT_ID, { id: ROOT_ID, name: 'Server', parent: '', position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(true) }]]);
}

/** Every key a document ever held (deleted too): what any encoding of it may carry. */
function everHeld(doc: Y.Doc): string[] {
  return [...(doc.getMap('rooms') as unknown as { _map: Map<string, unknown> })._map.keys()];
}

function hiddenOf(rooms: Rooms, hide: readonly boolean[]): Set<string> {
  return new Set(IDS.filter((id, i) => hide[i] && rooms.has(id)));
}

describe('tree projection', () => {
  it('holds exactly the visible rooms and follows accepted ops like a fresh projection (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const rooms = initialRooms();
        let voiceId = 2;
        let projection = new TreeProjection(rooms, new Set(), 1);
        let replica = new Y.Doc();
        clientHandleSync(replica, encodeFullStep2(projection.doc), 'relay');
        let epochs = 1;
        for (const s of steps) {
          const changed = validateOp(rooms, ADMIN, s.op, { occupancy: () => 0 }) ? new Set<string>() : applyOp(rooms, s.op, () => voiceId++);
          const hidden = hiddenOf(rooms, s.hide);
          if (projection.canFollow(hidden)) {
            const update = projection.follow(rooms, changed, hidden);
            if (update) expect(clientHandleSync(replica, update, 'relay')).not.toBeNull();
          } else {
            // A room it held is now hidden: a new epoch, and the replica starts over from the whole projection.
            projection.destroy();
            projection = new TreeProjection(rooms, hidden, ++epochs);
            replica = new Y.Doc();
            clientHandleSync(replica, encodeFullStep2(projection.doc), 'relay');
          }
          const expected = projectRooms(rooms, hidden);
          expect(readRooms(projection.doc)).toEqual(expected);
          expect(readRooms(replica)).toEqual(expected);
          expect(readRooms(new TreeProjection(rooms, hidden, 99).doc)).toEqual(readRooms(projection.doc));
          for (const id of [...everHeld(projection.doc), ...everHeld(replica)]) expect(hidden.has(id)).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a room that becomes hidden cannot be followed; one that becomes visible is added in place', () => {
    const rooms = initialRooms();
    applyOp(rooms, { kind: 'room.create', args: { roomId: 'staff', parentId: ROOT_ID, name: 'Staff', index: 0, description: 'pay', userLimit: 0 } }, () => 2);
    const p = new TreeProjection(rooms, new Set(['staff']), 5);
    expect(readRooms(p.doc).has('staff')).toBe(false);
    expect(new TextDecoder().decode(encodeFullStep2(p.doc))).not.toContain('staff');
    expect(p.follow(rooms, new Set(), new Set())).not.toBeNull();
    expect(readRooms(p.doc).get('staff')?.description).toBe('pay');
    expect(p.canFollow(new Set(['staff']))).toBe(false);
  });
});
