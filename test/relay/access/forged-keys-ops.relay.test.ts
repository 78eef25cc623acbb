/**
 * Issue 12 item 8 on a real relay: small-order identity keys cannot sign in;
 * a forged op reusing a known op id is refused for its signature, not
 * answered with that op's verdict; a `member.join` signed by one key and
 * submitted by another moves no one.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOpBody } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { OpClient, signOp } from '../../helpers/ops.ts';
import { connectClient, generateKey, RelayRefusedError } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const P = (1n << 255n) - 19n;

function encodeY(y: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** The identity point, whose "signature" R = identity, S = 0 verifies for any message under node:crypto. */
const IDENTITY = encodeY(1n);
const ANY_MESSAGE_SIGNATURE = (() => {
  const s = new Uint8Array(64);
  s.set(IDENTITY, 0);
  return s;
})();

describe('forged keys and ops against a real relay', () => {
  let started: StartedRelay;
  let admin: OpClient;
  let guest: OpClient;

  beforeAll(async () => {
    started = await startRelay({ guests: 'allow' });
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    guest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest', key: generateKey() }));
    await Promise.all([admin.sync(), guest.sync()]);
  });
  afterAll(async () => {
    for (const c of [admin, guest]) await c?.client.close();
    await started?.cleanup();
  });

  it('refuses sign-in with the identity key and other small-order or non-canonical keys (BAD_REQUEST)', async () => {
    for (const publicKey of [IDENTITY, encodeY(0n), encodeY(P - 1n), encodeY(P), encodeY(P + 1n)]) {
      const attempt = connectClient(started.relay.wsUrl, {
        name: 'Nobody',
        tamper: (auth) => ({ ...auth, publicKey, signature: ANY_MESSAGE_SIGNATURE }),
      });
      const error = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RelayRefusedError);
      expect((error as RelayRefusedError).code).toBe(ErrorCode.BAD_REQUEST);
    }
    // Nobody of that name ever appeared.
    await guest.client.ping();
    expect(guest.client.socket.received.some((m) => m.case === 'userJoined' && m.value.user?.displayName === 'Nobody')).toBe(false);
  });

  it('answers a forged op reusing an applied op id with OP_BAD_SIGNATURE, not the earlier "applied"', async () => {
    const real = admin.sign({ kind: 'room.create', args: { roomId: 'real', parentId: 'root', name: 'Real', index: 9, description: '', userLimit: 0 } });
    const [applied] = await admin.submit([real]);
    expect(applied!.code).toBe(0);
    // The guest reuses that op id under the admin's key with a fresh sequence number, a new body and no valid signature.
    const relayKey = admin.client.hello.relayPublicKey;
    const forgedBody = encodeOpBody({
      kind: 'room.delete',
      args: { roomId: 'real' },
      relayKey,
      opId: real.body.slice(13 + 32, 13 + 32 + 16),
      author: real.body.slice(13 + 32 + 16, 13 + 32 + 16 + 32),
      seq: admin.seq + 100,
      clientTimeMs: Date.now(),
    } as Parameters<typeof encodeOpBody>[0]);
    const [answer] = await guest.submit([{ body: forgedBody, signature: new Uint8Array(randomBytes(64)) }]);
    expect(answer!.code).toBe(ErrorCode.OP_BAD_SIGNATURE);
    expect(answer!.serverSeq).toBe(0n);
    // The admin's own retry of the real op still gets its verdict (idempotent).
    const [retry] = await admin.submit([real]);
    expect(retry!.code).toBe(0);
    expect(retry!.serverSeq).toBe(applied!.serverSeq);
  });

  it('refuses a member.join signed by one key and submitted by another (OP_FORBIDDEN); nobody moves', async () => {
    const signedByAdmin = signOp(admin.client.key, admin.client.hello.relayPublicKey, ++admin.seq, { kind: 'member.join', args: { roomId: 'quiet' } });
    const [answer] = await guest.submit([signedByAdmin]);
    expect(answer!.code).toBe(ErrorCode.OP_FORBIDDEN);
    // Both are where they were: a ping round trip after the answer leaves room for any userUpdated.
    await Promise.all([admin.client.ping(), guest.client.ping()]);
    const moves = guest.client.socket.received.filter((m) => m.case === 'userUpdated' && m.value.user?.roomId === 'quiet');
    expect(moves).toEqual([]);
    // The signer's own submission still moves the signer (its sequence number was not used up).
    const [own] = await admin.submit([signedByAdmin]);
    expect(own!.code).toBe(0);
    await admin.client.next('userUpdated', (u) => u.user?.sessionId === admin.client.sessionId && u.user.roomId === 'quiet');
  });
});
