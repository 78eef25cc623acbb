/**
 * How the room tree's bookkeeping is stored (relay/tree/tree-persistence.ts):
 * one audit record and one verdict record per batch, the document compacted
 * into snapshots, and records written by earlier relays (one JSON record per
 * op) still read. A real relay on a real LevelDB, restarted on the same folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { encodeStateAsUpdateV2 } from 'yjs';
import { readRooms } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { Store } from '../../../relay/storage/store.ts';
import { COMPACT_MAX_RECORDS } from '../../../relay/tree/index.ts';
import { OpClient, opIdOf } from '../../helpers/ops.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import { makeDataDir, startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

async function history(c: OpClient, beforeSeq: number, limit: number): Promise<number[]> {
  c.client.send({ case: 'opHistoryRequest', value: { beforeSeq: BigInt(beforeSeq), limit } });
  const page = await c.client.next('opHistory');
  expect(page.code).toBe(ErrorCode.UNSPECIFIED);
  return page.entries.map((e) => Number(e.serverSeq));
}

async function keysUnder(dataDir: string, prefix: string): Promise<string[]> {
  const store = await Store.open(dataDir, () => {});
  try {
    return (await store.readRange(prefix, { binary: true })).map(([k]) => k);
  } finally {
    await store.close();
  }
}

describe('room tree storage', () => {
  const relays: StartedRelay[] = [];
  afterAll(async () => {
    for (const r of relays) await r.cleanup();
  });

  it('stores a batch as one audit and one verdict record, pages across batches, and keeps verdicts and the tree over a restart', async () => {
    const dataDir = await makeDataDir();
    let started = await startRelay({ dataDir });
    relays.push(started);
    const key = generateKey();
    let admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key }));
    // Three frames of 10 (each a batch of its own, awaited in turn), one refusal among them.
    const creates = Array.from({ length: 10 }, (_, i) => admin.sign({ kind: 'room.create', args: { roomId: `r${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: '', userLimit: 0 } }));
    const renames = Array.from({ length: 10 }, (_, i) => admin.sign({ kind: 'room.rename', args: { roomId: `r${i}`, name: `Renamed ${i}` } }));
    const mixed = [admin.sign({ kind: 'room.rename', args: { roomId: 'nowhere', name: 'X' } }), ...Array.from({ length: 9 }, (_, i) => admin.sign({ kind: 'room.describe', args: { roomId: `r${i}`, description: `about ${i}`, userLimit: 0 } }))];
    for (const frame of [creates, renames, mixed]) await admin.submit(frame);
    const all = await history(admin, 0, 100);
    expect(all).toEqual(Array.from({ length: 29 }, (_, i) => 29 - i));
    // Pages cut inside batches line up exactly.
    expect(await history(admin, 15, 3)).toEqual([14, 13, 12]);
    expect(await history(admin, 11, 5)).toEqual([10, 9, 8, 7, 6]);
    expect(await history(admin, 2, 5)).toEqual([1]);
    await admin.sync();
    const tree = readRooms(admin.doc);
    await admin.client.close();
    await started.stop();

    expect((await keysUnder(dataDir, 'op-logs:')).length).toBe(3);
    expect((await keysUnder(dataDir, 'op-verdicts:')).length).toBe(3);
    expect(await keysUnder(dataDir, 'op-log:')).toEqual([]);

    started = await startRelay({ dataDir });
    relays.push(started);
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', key }));
    admin.seq = 30;
    // Retries after the restart get their earlier verdicts, applied and refused alike.
    const [again, refusedAgain] = await admin.submit([renames[4]!, mixed[0]!]);
    expect(again).toMatchObject({ code: 0, serverSeq: 15n });
    expect(refusedAgain!.code).toBe(ErrorCode.OP_UNKNOWN_ROOM);
    expect((await admin.run({ kind: 'room.rename', args: { roomId: 'r0', name: 'After restart' } })).serverSeq).toBe(30n);
    await admin.sync();
    expect(readRooms(admin.doc)).toEqual(new Map([...tree, ['r0', { ...tree.get('r0')!, name: 'After restart' }]]));
    await admin.client.close();
  });

  // A minute, not the default 20 s: reaching the record cap takes COMPACT_MAX_RECORDS + 20 frames one
  // after another, each a synced LevelDB write acknowledged before the next is sent (frames sent
  // while a write is under way share the next batch, so they cannot be pipelined). That is work in
  // proportion to the cap, which a loaded 2-core box can stretch past 20 s.
  it('compacts the document: update records stay bounded and the snapshot carries the tree', { timeout: 60_000 }, async () => {
    const started = await startRelay({ limits: { opBurst: 1e6, opPerSecond: 1e6, controlBurst: 1e6, controlPerSecond: 1e6 } });
    relays.push(started);
    const admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    await admin.submit(Array.from({ length: 50 }, (_, i) => admin.sign({ kind: 'room.create', args: { roomId: `c${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: 'x'.repeat(200), userLimit: 0 } })));
    // One op per frame: the most update records the relay can be made to write.
    for (let i = 0; i < COMPACT_MAX_RECORDS + 20; i++) {
      expect((await admin.run({ kind: 'room.rename', args: { roomId: `c${i % 50}`, name: `Room ${i % 50} v${i}` } })).code).toBe(0);
    }
    await admin.sync();
    const tree = readRooms(admin.doc);
    await admin.client.close();
    await started.stop();
    const updates = await keysUnder(started.dataDir, 'tree-upd:');
    expect(updates.length).toBeLessThan(COMPACT_MAX_RECORDS);
    const again = await startRelay({ dataDir: started.dataDir, guests: 'allow' });
    relays.push(again);
    const reader = new OpClient(await connectClient(again.relay.wsUrl, { name: 'Reader', key: generateKey() }));
    await reader.sync();
    expect(readRooms(reader.doc)).toEqual(tree);
    expect(encodeStateAsUpdateV2(reader.doc).byteLength).toBeGreaterThan(0);
    await reader.client.close();
  });

  it('reads the audit log and verdicts written by earlier relays (one JSON record per op)', async () => {
    const dataDir = await makeDataDir();
    const first = await startRelay({ dataDir });
    relays.push(first);
    const key = generateKey();
    const admin = new OpClient(await connectClient(first.relay.wsUrl, { name: 'Admin', invite: first.relay.bootstrapInvite!, key }));
    const ops = Array.from({ length: 3 }, (_, i) => admin.sign({ kind: 'room.create', args: { roomId: `old${i}`, parentId: 'root', name: `Old ${i}`, index: i, description: '', userLimit: 0 } }));
    for (const op of ops) await admin.submit([op]);
    await admin.client.close();
    await first.stop();
    // Rewrite what the batch layouts hold in the earlier per-op JSON layout.
    const store = await Store.open(dataDir, () => {});
    const logs = await store.readRange('op-logs:', { binary: true });
    const verdicts = await store.readRange('op-verdicts:', { binary: true });
    const legacy: Array<readonly [string, unknown]> = ops.map((op, i) => [`op-log:${String(i + 1).padStart(12, '0')}`, { at: 1000 + i, body: Buffer.from(op.body).toString('base64'), sig: Buffer.from(op.signature).toString('base64') }]);
    const legacyVerdicts = ops.map((op, i): readonly [string, unknown] => [`op-verdict:${opIdOf(op)}`, { code: null, reason: '', seq: i + 1 }]);
    await store.writeBatch([...logs.map(([k]) => [k, undefined] as const), ...verdicts.map(([k]) => [k, undefined] as const), ...legacy, ...legacyVerdicts], true);
    await store.close();

    const second = await startRelay({ dataDir });
    relays.push(second);
    const back = new OpClient(await connectClient(second.relay.wsUrl, { name: 'Admin', key }));
    back.seq = 3;
    expect(await history(back, 0, 10)).toEqual([3, 2, 1]);
    expect((await back.submit([ops[1]!]))[0]).toMatchObject({ code: 0, serverSeq: 2n });
    // New ops continue the numbering after the legacy log, and the log reads across both layouts.
    expect((await back.run({ kind: 'room.rename', args: { roomId: 'old0', name: 'New 0' } })).serverSeq).toBe(4n);
    expect(await history(back, 0, 10)).toEqual([4, 3, 2, 1]);
    expect(await history(back, 4, 2)).toEqual([3, 2]);
    await back.client.close();
  });

  it('forgets verdicts past their retention: a later batch deletes them, and a very late retry is judged by its sequence number', async () => {
    let now = 1_000_000;
    const started = await startRelay({ clock: { now: () => now }, limits: { verdictRetentionMs: 60_000, pingIntervalMs: 3_600_000 } });
    relays.push(started);
    const admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    const early = admin.sign({ kind: 'room.describe', args: { roomId: 'lobby', description: 'early', userLimit: 0 } });
    expect((await admin.submit([early]))[0]).toMatchObject({ code: 0, serverSeq: 1n });
    now += 30_000;
    expect((await admin.submit([early]))[0]).toMatchObject({ code: 0, serverSeq: 1n });
    expect((await admin.run({ kind: 'room.describe', args: { roomId: 'quiet', description: 'later', userLimit: 0 } })).code).toBe(0);
    now += 31_000; // the first batch is now 61 s old, the second 31 s
    expect((await admin.run({ kind: 'room.describe', args: { roomId: 'lobby', description: 'latest', userLimit: 0 } })).code).toBe(0);
    expect((await admin.submit([early]))[0]!.code).toBe(ErrorCode.OP_REPLAYED);
    await admin.client.close();
    await started.stop();
    // Two verdict batches remain on disk (the expired one was deleted in the same write as the third).
    expect((await keysUnder(started.dataDir, 'op-verdicts:')).length).toBe(2);
  });
});
