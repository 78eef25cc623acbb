/**
 * `bench:relay --perms`: the benchmark rooms under a 10-deep chain of rooms
 * carrying 100 rules (bench/ops/perms-scenario.ts: every kind of who, two
 * named groups redefined at every level, one `in-room` condition), so every
 * simulated user's permissions (speak among them) are evaluated over 11
 * levels when it joins. Written into a fresh store as the tree document's
 * snapshot before the relay opens it (the relay's own load path then reads
 * it; `loadTree` is run here once to check it parses to the rooms and rules
 * meant).
 */
import * as Y from 'yjs';
import { applyOp, ROOT_ID, writeRooms } from '../../crdt/index.ts';
import type { Rooms } from '../../crdt/index.ts';
import { defaultAcl } from '../../perms/index.ts';
import type { Store } from '../../relay/storage/store.ts';
import { loadTree } from '../../relay/tree/index.ts';
import { permsTree } from '../ops/perms-scenario.ts';
import { roomId } from './rooms.ts';

/** The tree persistence's snapshot record (relay/tree/tree-persistence.ts). */
const SNAPSHOT_KEY = 'tree:snapshot';

/** Seeds `store` with `n` benchmark rooms (voice ids 1..n, as the load rig expects) under the 10-deep, 100-rule chain. */
export async function seedPermsTree(store: Store, n: number): Promise<{ depth: number; rules: number }> {
  const tree = permsTree('f'.repeat(64));
  const rooms: Rooms = new Map([[ROOT_ID, { id: ROOT_ID, name: 'Bench', parent: '', position: 0, description: '', userLimit: 0, voiceId: n + tree.depth + 1, acl: defaultAcl(true) }]]);
  let voice = n + 1;
  for (const op of tree.setup) applyOp(rooms, op, () => voice++);
  const deepest = `p${tree.depth - 1}`;
  for (let i = 0; i < n; i++) {
    applyOp(rooms, { kind: 'room.create', args: { roomId: roomId(i), parentId: deepest, name: `Room ${i}`, index: i, description: '', userLimit: 0 } }, () => i + 1);
  }
  const doc = new Y.Doc();
  writeRooms(doc, rooms, rooms.keys(), 'seed');
  const v2 = Y.encodeStateAsUpdateV2(doc);
  await store.writeBatch([[SNAPSHOT_KEY, { v2: Buffer.from(v2).toString('base64'), upTo: 0, epoch: 1 }]], true);
  const loaded = await loadTree(store, 'Bench');
  const rules = [...loaded.rooms.values()].reduce((sum, r) => sum + r.acl.rules.length, 0);
  if (loaded.rooms.size !== rooms.size || rules !== tree.rules || loaded.rooms.get(roomId(0))?.voiceId !== 1) throw new Error(`perms tree did not load as written [rooms:${loaded.rooms.size}, rules:${rules}]`);
  return { depth: tree.depth, rules };
}
