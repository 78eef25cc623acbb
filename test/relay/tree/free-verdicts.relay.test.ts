/**
 * Free identities cannot buy storage (issue 12, finding 6): many guest keys
 * sending refused ops leave at most the configured number of verdicts per
 * key and in total, on disk and so after a restart in memory, evicted oldest
 * first; an evicted op's retry is judged by its sequence number; applied
 * `member.join` ops are not audit-log entries. A real relay on a real
 * LevelDB, restarted on the same folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVerdictBatch } from '../../../relay/tree/op-records.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { Store } from '../../../relay/storage/store.ts';
import { OpClient } from '../../helpers/ops.ts';
import type { SignedOp } from '../../../crdt/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { KeyObject } from 'node:crypto';
import { makeDataDir, startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const PER_KEY = 10;
const TOTAL = 50;
const LIMITS = { opBurst: 1_000_000, opPerSecond: 1_000_000, freeVerdictsPerKey: PER_KEY, freeVerdictsTotal: TOTAL };

/** Every verdict stored, in any record layout (batch verdicts and per-key ones). */
async function storedVerdicts(dataDir: string): Promise<number> {
  const store = await Store.open(dataDir, () => {});
  try {
    let n = 0;
    for (const prefix of ['op-verdicts:', 'op-fv:']) {
      for (const [, value] of await store.readRange(prefix, { binary: true })) {
        if (value instanceof Uint8Array) n += decodeVerdictBatch(value)?.records.length ?? 0;
      }
    }
    return n;
  } finally {
    await store.close();
  }
}

/** A guest's ops that the relay refuses (guests may not create rooms). */
function forbidden(c: OpClient, n: number): SignedOp[] {
  return Array.from({ length: n }, () => c.sign({ kind: 'room.create', args: { roomId: `g${c.seq}`, parentId: 'root', name: 'Nope', index: 0, description: '', userLimit: 0 } }));
}

describe('free identities and the op bookkeeping', () => {
  const relays: StartedRelay[] = [];
  afterAll(async () => {
    for (const r of relays) await r.cleanup();
  });

  it('bounds verdicts of guest keys per key and in total, before and after a restart; evicted retries are judged by sequence', async () => {
    const dataDir = await makeDataDir();
    let started = await startRelay({ dataDir, guests: 'allow', limits: LIMITS });
    relays.push(started);
    const keys: KeyObject[] = Array.from({ length: 8 }, () => generateKey());
    const firsts: SignedOp[] = [];
    const lasts: SignedOp[] = [];
    for (const [i, key] of keys.entries()) {
      const guest = new OpClient(await connectClient(started.relay.wsUrl, { name: `Guest ${i}`, key }));
      const ops = forbidden(guest, 40);
      const results = await guest.submit(ops);
      expect(results.every((r) => r.code === ErrorCode.OP_FORBIDDEN)).toBe(true);
      firsts.push(ops[0]!);
      lasts.push(ops[ops.length - 1]!);
      // The last op's retry is answered from its kept verdict.
      expect((await guest.submit([ops[ops.length - 1]!]))[0]!.code).toBe(ErrorCode.OP_FORBIDDEN);
      // The first one's verdict was evicted (over the per-key bound): judged by its sequence number.
      expect((await guest.submit([ops[0]!]))[0]!.code).toBe(ErrorCode.OP_REPLAYED);
      await guest.client.close();
    }
    await started.stop();
    expect(await storedVerdicts(dataDir)).toBeLessThanOrEqual(TOTAL);

    started = await startRelay({ dataDir, guests: 'allow', limits: LIMITS });
    relays.push(started);
    // After the restart: the newest key's last verdict survived; the oldest key's were evicted (total bound, oldest first).
    const newest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest 7', key: keys[7]! }));
    expect((await newest.submit([lasts[7]!]))[0]!.code).toBe(ErrorCode.OP_FORBIDDEN);
    const oldest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest 0', key: keys[0]! }));
    expect((await oldest.submit([lasts[0]!]))[0]!.code).toBe(ErrorCode.OP_REPLAYED);
    // More refused ops after the restart still stay within the bound.
    oldest.seq = 1_000;
    expect((await oldest.submit(forbidden(oldest, 30))).every((r) => r.code === ErrorCode.OP_FORBIDDEN)).toBe(true);
    await newest.client.close();
    await oldest.client.close();
    await started.stop();
    expect(await storedVerdicts(dataDir)).toBeLessThanOrEqual(TOTAL);
  }, 60_000);

  it('does not keep applied member.join ops in the audit log', async () => {
    const started = await startRelay({ guests: 'allow', limits: LIMITS });
    relays.push(started);
    const admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    const created = await admin.run({ kind: 'room.rename', args: { roomId: 'quiet', name: 'Quieter' } });
    expect(created.code).toBe(0);
    const guest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest', key: generateKey() }));
    const joins = await guest.submit(Array.from({ length: 20 }, (_, i) => guest.sign({ kind: 'member.join', args: { roomId: i % 2 === 0 ? 'quiet' : 'lobby' } })));
    expect(joins.every((r) => r.code === 0)).toBe(true);
    await guest.client.next('userUpdated', (u) => u.user?.sessionId === guest.client.sessionId && u.user.roomId === 'lobby');
    admin.client.send({ case: 'opHistoryRequest', value: { beforeSeq: 0n, limit: 100 } });
    const page = await admin.client.next('opHistory');
    expect(page.code).toBe(ErrorCode.UNSPECIFIED);
    expect(page.entries.map((e) => Number(e.serverSeq))).toEqual([1]);
    await guest.client.close();
    await admin.client.close();
  });
});
