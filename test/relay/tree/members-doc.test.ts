/**
 * The membership document's epochs: the relay's MembersDoc and the client's
 * MembersReplica, wired directly (what the relay broadcasts is what the
 * replica applies). Whatever sessions come and go, the replica equals the
 * relay's live membership and the document's size follows the live
 * sessions, not every session it ever saw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MembersReplica, readMembers } from '../../../crdt/index.ts';
import { MembersDoc } from '../../../relay/tree/members-doc.ts';

type Move = { readonly session: number; readonly room: string | null };

const move: fc.Arbitrary<Move> = fc.record({
  session: fc.integer({ min: 1, max: 40 }),
  room: fc.constantFrom('lobby', 'quiet', 'games', null, null),
});

/** A replica subscribed from the start: it gets the SyncStep2 reply, then every broadcast. */
function subscribe(relay: MembersDoc): MembersReplica {
  const replica = new MembersReplica();
  const reply = relay.reply(replica.step1());
  if (reply.kind !== 'reply') throw new Error('sync refused');
  replica.apply(relay.epoch, reply.data, 'relay');
  return replica;
}

function follow(relay: MembersDoc, replica: MembersReplica, m: Move): void {
  const change = relay.move(m.session, m.room);
  if (change.kind !== 'none') expect(replica.apply(change.epoch, change.data, 'relay')).not.toBeNull();
}

describe('membership document epochs', () => {
  it('a replica always equals the relay, across any number of new epochs (property)', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 150 }), fc.integer({ min: 1, max: 16 }), (moves, compactAfterDeletes) => {
        const relay = new MembersDoc({ compactAfterDeletes, epoch: 7 });
        const early = subscribe(relay);
        moves.forEach((m, i) => {
          follow(relay, early, m);
          // A latecomer joining mid-way syncs from whatever epoch is current.
          if (i === Math.floor(moves.length / 2)) {
            const late = subscribe(relay);
            expect(late.members()).toEqual(readMembers(relay.doc));
          }
        });
        expect(early.members()).toEqual(readMembers(relay.doc));
        expect(early.epoch).toBe(relay.epoch);
        const live = readMembers(relay.doc).size;
        expect(relay.deletedEntries).toBeLessThan(Math.max(compactAfterDeletes, 4 * live + 1));
      }),
      // Sized to stay well inside the test timeout on a loaded 2-core box (each run is a few hundred Yjs
      // transactions); with at most 16 deletes per epoch, 150 moves still cross many epochs.
      { numRuns: 100 },
    );
  });

  it('starts a new epoch once deleted sessions outnumber the live ones, and the state shrinks back', () => {
    const relay = new MembersDoc({ compactAfterDeletes: 50, epoch: 1 });
    const replica = subscribe(relay);
    relay.move(1, 'lobby');
    const sizeWithOne = Y.encodeStateAsUpdate(relay.doc).byteLength;
    let resets = 0;
    for (let s = 2; s < 2 + 500; s++) {
      for (const room of ['lobby', null] as const) {
        const change = relay.move(s, room);
        if (change.kind === 'reset') resets++;
        if (change.kind !== 'none') replica.apply(change.epoch, change.data, 'relay');
      }
    }
    // 500 sessions came and went with one staying: one reset per 50 leaves.
    expect(resets).toBe(10);
    expect(relay.epoch).toBe(11);
    expect(replica.members()).toEqual(new Map([[1, 'lobby']]));
    expect(relay.deletedEntries).toBe(0);
    // Each epoch is a new Y.Doc with a random client id, written as a varint of 1–5 bytes:
    // the sizes may differ by those 4 bytes, never by the 500 sessions that came and went.
    expect(Y.encodeStateAsUpdate(relay.doc).byteLength).toBeLessThanOrEqual(sizeWithOne + 4);
  });

  it('does not reset while the live sessions outnumber the deleted ones by more than a quarter', () => {
    const relay = new MembersDoc({ compactAfterDeletes: 10, epoch: 1 });
    for (let s = 1; s <= 100; s++) relay.move(s, 'lobby');
    for (let s = 1; s <= 20; s++) expect(relay.move(s, null).kind).toBe('update');
    expect(relay.epoch).toBe(1);
    expect(relay.deletedEntries).toBe(20);
  });

  it('a move to the room the session is already in changes nothing', () => {
    const relay = new MembersDoc({ epoch: 1 });
    relay.move(5, 'lobby');
    expect(relay.move(5, 'lobby')).toEqual({ kind: 'none' });
    expect(relay.move(6, null)).toEqual({ kind: 'none' });
  });

  it('a replica reset forgets everything and a bad message changes nothing', () => {
    const relay = new MembersDoc({ epoch: 3 });
    relay.move(1, 'lobby');
    const replica = subscribe(relay);
    expect(replica.members().size).toBe(1);
    expect(replica.apply(3, new Uint8Array([9, 9, 9]), 'relay')).toBeNull();
    expect(replica.members().size).toBe(1);
    replica.reset();
    expect(replica.epoch).toBe(0);
    expect(replica.members().size).toBe(0);
  });
});
