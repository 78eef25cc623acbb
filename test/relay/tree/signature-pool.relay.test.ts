/**
 * The signature worker pool: verdicts come back in the order asked, a forged
 * signature (or wrong key, or truncated signature) in a frame is refused
 * while the rest verify, and close() ends every worker. Then the same on a
 * real relay: one frame of many ops with a forged one in the middle.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignaturePool } from '../../../relay/tree/index.ts';
import type { SignatureCheck } from '../../../relay/tree/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

function checks(n: number): { checks: SignatureCheck[]; expected: number[] } {
  const keys = [generateKeyPairSync('ed25519').privateKey, generateKeyPairSync('ed25519').privateKey];
  const out: SignatureCheck[] = [];
  const expected: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = keys[i % 2]!;
    const body = new TextEncoder().encode(`op number ${i}`);
    const signature = new Uint8Array(sign(null, body, key));
    let author = rawPublicKeyOf(key);
    let ok = 1;
    if (i % 7 === 3) {
      signature[5]! ^= 0x01; // forged
      ok = 0;
    } else if (i % 11 === 5) {
      author = rawPublicKeyOf(keys[(i + 1) % 2]!); // someone else's key
      ok = 0;
    } else if (i === n - 1) {
      out.push({ author, body, signature: signature.subarray(0, 63) }); // truncated
      expected.push(0);
      continue;
    }
    out.push({ author, body, signature });
    expected.push(ok);
  }
  return { checks: out, expected };
}

describe('SignaturePool', () => {
  it('verifies a frame across workers with verdicts in order, refusing only the bad ones; close() ends the workers', async () => {
    const pool = new SignaturePool({ size: 2, inlineBelow: 4 });
    try {
      const { checks: frame, expected } = checks(100);
      expect(expected.filter((x) => x === 0).length).toBeGreaterThan(10);
      const [first, second] = await Promise.all([pool.verifyAll(frame), pool.verifyAll(frame.slice(0, 50))]);
      expect(pool.threads).toBe(2);
      expect([...first]).toEqual(expected);
      expect([...second]).toEqual(expected.slice(0, 50));
    } finally {
      await pool.close();
    }
    expect(pool.threads).toBe(0);
    // After close: still correct, on the calling thread.
    const { checks: frame, expected } = checks(20);
    expect([...(await pool.verifyAll(frame))]).toEqual(expected);
    expect(pool.threads).toBe(0);
  });

  it('verifies small frames inline without starting a worker', async () => {
    const pool = new SignaturePool({ size: 1, inlineBelow: 8 });
    const { checks: frame, expected } = checks(5);
    expect([...(await pool.verifyAll(frame))]).toEqual(expected);
    expect(pool.threads).toBe(0);
    await pool.close();
  });
});

describe('a large SubmitOps frame on a real relay', () => {
  let started: StartedRelay;
  let admin: OpClient;
  beforeAll(async () => {
    started = await startRelay({ signatureThreads: 1 });
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
  });
  afterAll(async () => {
    await admin?.client.close();
    await started?.cleanup();
  });

  it('refuses only the forged op of 40, applies the rest in order', async () => {
    const ops = Array.from({ length: 40 }, (_, i) =>
      admin.sign({ kind: 'room.create', args: { roomId: `r${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: '', userLimit: 0 } }));
    ops[17]!.signature[0]! ^= 0xff;
    const results = await admin.submit(ops);
    expect(results.map((r) => r.code)).toEqual(ops.map((_, i) => (i === 17 ? ErrorCode.OP_BAD_SIGNATURE : ErrorCode.UNSPECIFIED)));
    // Audit positions follow the frame's order.
    const seqs = results.filter((r) => r.code === 0).map((r) => Number(r.serverSeq));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    await admin.sync();
    const rooms = admin.rooms();
    expect(rooms.has('r17')).toBe(false);
    expect(rooms.has('r16') && rooms.has('r18') && rooms.has('r39')).toBe(true);
  });
});
