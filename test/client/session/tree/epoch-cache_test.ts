/// <reference types="mocha" />
/**
 * A room that becomes hidden leaves IndexedDB with the replica: when the
 * relay starts the client on another tree epoch (a new visibility class,
 * docs/ARCHITECTURE.md "Hidden rooms"), RoomTreeStore writes the new replica
 * to its real IndexedDB cache at once — not after the debounced save, which
 * the test fires only for the first sync — and the old rooms are gone from
 * the stored bytes.
 */
import { assert } from 'chai';
import * as Y from 'yjs';
import { encodeFullStep2, readRooms, TREE_DOC, writeRooms } from '../../../../crdt/index.ts';
import type { Rooms } from '../../../../crdt/index.ts';
import { defaultAcl } from '../../../../perms/index.ts';
import { openIdbTreeCache, RoomTreeStore } from '../../../../client/session/tree/index.ts';

function docOf(ids: readonly string[]): Y.Doc {
  const rooms: Rooms = new Map();
  ids.forEach((id, i) => {
    const parent = id === 'root' ? '' : 'root';
    rooms.set(id, { id, name: `${id}-NAME`, parent, position: i, description: `${id}-DESC`, userLimit: 0, voiceId: i + 1, acl: defaultAcl(parent === '') });
  });
  const doc = new Y.Doc();
  writeRooms(doc, rooms, rooms.keys(), 'relay');
  return doc;
}

const includes = (bytes: Uint8Array, text: string): boolean => new TextDecoder('utf-8', { fatal: false }).decode(bytes).includes(text);

suite('RoomTreeStore cache across tree epochs (IndexedDB)', () => {
  test('a new epoch without a room replaces the cached document at once', async () => {
    const address = `epoch-cache-${crypto.randomUUID()}`;
    const cache = await openIdbTreeCache(address);
    const signer = { kind: 'noble' as const, publicKey: new Uint8Array(32).fill(7), sign: async () => new Uint8Array(64) };
    // Debounced saves fire only when the test says the debounce has elapsed.
    const timers: Array<() => void> = [];
    const store = new RoomTreeStore({ cache, signer, now: () => Date.now(), verify: async () => true, onChange: () => {}, setTimer: (fn) => timers.push(fn), clearTimer: () => {} });
    await store.connected(new Uint8Array(32).fill(1), 'guest', () => true);
    const sync = (epoch: number, doc: Y.Doc): void => void store.handle({ case: 'crdtSync', value: { doc: TREE_DOC, data: encodeFullStep2(doc), epoch, part: 0, parts: 0 } } as never);

    sync(7, docOf(['root', 'lobby', 'staff']));
    // A first sync has no cached rooms to replace: it is saved after the debounce (not encoded while the rooms are first shown).
    for (const fire of timers.splice(0)) fire();
    const stored = async (): Promise<Uint8Array | null> => (await (await openIdbTreeCache(address)).load()).doc;
    // Each read is one IndexedDB round trip: the loop waits for the write the store started, not for time.
    let first = await stored();
    while (!first) first = await stored();
    assert.isTrue(includes(first, 'staff-NAME'));

    sync(8, docOf(['root', 'lobby']));
    assert.deepEqual(store.rooms.map((r) => r.id).sort(), ['lobby', 'root']);
    let second = await stored();
    while (second && includes(second, 'staff')) second = await stored();
    const reread = new Y.Doc();
    Y.applyUpdate(reread, second!);
    assert.deepEqual([...readRooms(reread).keys()].sort(), ['lobby', 'root']);
    assert.isFalse(includes(second!, 'staff'));
    assert.equal((await (await openIdbTreeCache(address)).load()).meta?.treeEpoch, 8);
    store.close();
  });
});
