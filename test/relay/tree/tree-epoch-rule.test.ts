/**
 * The tree epoch rule (relay/tree/tree-epoch.ts) as properties: a new epoch
 * only past the floor and with more tombstones than live rooms; after a
 * rebuild (no tombstones) never; epochs never 0; a rebuilt document holds
 * exactly the live rooms and no tombstones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countRoomTombstones, readRooms, writeRooms } from '../../../crdt/index.ts';
import type { RoomRecord } from '../../../crdt/index.ts';
import * as Y from 'yjs';
import { nextTreeEpoch, rebuildTreeDoc, shouldStartTreeEpoch, TOMBSTONES_PER_LIVE } from '../../../relay/tree/tree-epoch.ts';
import { defaultAcl } from '../../../perms/index.ts';

const room = (id: string): RoomRecord => ({ id, name: id, parent: 'root', position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(false) });

describe('tree epoch rule', () => {
  it('starts an epoch exactly when tombstones reach the floor and outnumber live rooms', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.nat(10_000), (live, tombstoned, floor) => {
        const due = shouldStartTreeEpoch({ live, tombstoned }, floor);
        expect(due).toBe(tombstoned >= Math.max(1, floor) && tombstoned > TOMBSTONES_PER_LIVE * live);
        // Right after a rebuild there is nothing to forget.
        expect(shouldStartTreeEpoch({ live, tombstoned: 0 }, floor)).toBe(false);
      }),
    );
  });

  it('never yields epoch 0 and always changes the epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (epoch) => {
        const next = nextTreeEpoch(epoch);
        expect(next).not.toBe(0);
        expect(next).not.toBe(epoch);
        expect(next).toBeLessThanOrEqual(0xffff_ffff);
      }),
    );
  });

  it('counts deleted room keys, and a rebuild keeps exactly the live rooms with none', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 40 }), fc.nat(40), (ids, cut) => {
        const all = new Map(ids.map((id) => [id, room(id)]));
        const doc = new Y.Doc();
        writeRooms(doc, all, all.keys(), 'test');
        const live = new Map([...all].slice(0, cut));
        writeRooms(doc, live, all.keys(), 'test');
        expect(countRoomTombstones(doc)).toBe(all.size - live.size);
        const fresh = rebuildTreeDoc(live);
        expect(readRooms(fresh)).toEqual(live);
        expect(countRoomTombstones(fresh)).toBe(0);
      }),
    );
  });
});
