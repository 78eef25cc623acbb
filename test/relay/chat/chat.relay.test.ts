/** Chat on a real relay: delivery, history pages, bounds, edit/delete rules, refusals, persistence. */
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCode, MAX_CHAT_CHARS, Role } from '../../../proto/index.ts';
import type { Clock } from '../../../relay/index.ts';
import { chat, direct, history, room, sendItem, signedItem, texts } from '../../helpers/chat.ts';
import { adminRequest, makeInvite } from '../../helpers/invites.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { makeDataDir, startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { perTest } from '../../helpers/relay-fixture.ts';

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));
const DAY = 24 * 60 * 60 * 1000;

describe('relay chat', () => {
  const fixtures = perTest();
  const relayWith = fixtures.relay;
  const client = (r: StartedRelay, name: string, key = generateKey(), invite?: Uint8Array): Promise<TestClient> =>
    fixtures.client(r, { name, key, ...(invite ? { invite } : {}) });

  it('delivers a room post to everyone signed in with the same seq the sender is acked, and sends a summary on sign-in', async () => {
    const r = await relayWith();
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');
    // Every room of the tree has a chat, the root included (issue 4).
    expect((await a.next('chatSummary')).heads.map((h) => [h.target?.to.value, h.lastSeq])).toEqual([
      ['root', 0n],
      ['lobby', 0n],
      ['quiet', 0n],
    ]);
    const { item, ack } = await chat(a, { target: room('lobby'), text: 'hello everyone' });
    expect(ack).toMatchObject({ code: ErrorCode.UNSPECIFIED, seq: 1n });
    const seen = await b.next('chatEvent');
    expect(seen.message).toMatchObject({ seq: 1n, authorName: 'Ana', post: { text: 'hello everyone' } });
    expect(sameBytes(seen.message?.post?.id, item.id as Uint8Array)).toBe(true);
    await a.next('chatEvent', (e) => e.message?.seq === 1n);
    // A later sign-in learns the newest seq per conversation.
    const c = await client(r, 'Cy');
    const summary = await c.next('chatSummary');
    expect(summary.heads.find((h) => h.target?.to.value === 'lobby')?.lastSeq).toBe(1n);
  });

  it('serves history newest page first, then older pages by before_seq, each oldest first', async () => {
    const r = await relayWith({ chat: { burst: 1000 }, limits: { controlBurst: 1000, controlPerSecond: 1000 } });
    const a = await client(r, 'Ana');
    for (let i = 1; i <= 120; i++) expect((await chat(a, { target: room('lobby'), text: `m${i}` })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    const first = await history(a, room('lobby'));
    expect(first.messages).toHaveLength(50);
    expect(texts(first)[0]).toBe('m71');
    expect(texts(first)[49]).toBe('m120');
    expect(first.hasMore).toBe(true);
    const second = await history(a, room('lobby'), first.messages[0]!.seq);
    expect(texts(second)).toEqual(Array.from({ length: 50 }, (_, i) => `m${21 + i}`));
    const third = await history(a, room('lobby'), second.messages[0]!.seq);
    expect(texts(third)).toEqual(Array.from({ length: 20 }, (_, i) => `m${1 + i}`));
    expect(third.hasMore).toBe(false);
    // Explicit limits are honoured and capped at 100.
    expect((await history(a, room('lobby'), 0n, 7)).messages).toHaveLength(7);
    expect((await history(a, room('lobby'), 0n, 5000)).messages).toHaveLength(100);
    expect((await history(a, room('nowhere'))).code).toBe(ErrorCode.UNKNOWN_ROOM);
  });

  it('keeps at most maxMessages per conversation and forgets messages older than maxAgeMs', async () => {
    let now = Date.UTC(2026, 10, 20);
    const clock: Clock = { now: () => now };
    const r = await relayWith({ clock, chat: { maxMessages: 5, maxAgeMs: 90 * DAY, burst: 100 } });
    const a = await client(r, 'Ana');
    const first = await chat(a, { target: room('lobby'), text: 'first' });
    for (let i = 2; i <= 8; i++) await chat(a, { target: room('lobby'), text: `m${i}` });
    const page = await history(a, room('lobby'));
    expect(texts(page)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8']);
    expect(page.hasMore).toBe(false);
    // A pruned message can no longer be edited; its id is forgotten too.
    const edit = await chat(a, { action: 'edit', target: room('lobby'), refId: first.item.id as Uint8Array, text: 'too late' });
    expect(edit.ack.code).toBe(ErrorCode.CHAT_NOT_FOUND);

    await chat(a, { target: room('quiet'), text: 'old news' });
    now += 91 * DAY;
    expect((await history(a, room('quiet'))).messages).toHaveLength(0);
    await chat(a, { target: room('quiet'), text: 'fresh' });
    expect(texts(await history(a, room('quiet')))).toEqual(['fresh']);
  });

  it('lets authors edit and delete their own messages, admins delete anyone’s, nobody edit someone else’s', async () => {
    const r = await relayWith();
    // Issue 3's way to an admin: the relay's one-use bootstrap invite; the
    // admin then signs member invites (the relay is members-only from then on).
    const admin = await client(r, 'Root', generateKey(), r.relay.bootstrapInvite);
    const invite = makeInvite(admin.key, r.relay.publicKey);
    const a = await client(r, 'Ana', generateKey(), invite);
    const b = await client(r, 'Bo', generateKey(), invite);
    expect(admin.authOk.role).toBe(Role.ADMIN);
    expect(a.authOk.role).toBe(Role.MEMBER);
    expect(b.authOk.role).toBe(Role.MEMBER);

    const post = await chat(a, { target: room('lobby'), text: 'typo here' });
    const postId = post.item.id as Uint8Array;
    const edited = await chat(a, { action: 'edit', target: room('lobby'), refId: postId, text: 'fixed' });
    expect(edited.ack).toMatchObject({ code: ErrorCode.UNSPECIFIED, seq: 1n });
    const event = await b.next('chatEvent', (e) => e.message?.edit !== undefined);
    expect(event.message).toMatchObject({ seq: 1n, post: { text: 'typo here' }, edit: { text: 'fixed' } });

    expect((await chat(b, { action: 'edit', target: room('lobby'), refId: postId, text: 'mine now' })).ack.code).toBe(ErrorCode.CHAT_FORBIDDEN);
    expect((await chat(b, { action: 'delete', target: room('lobby'), refId: postId })).ack.code).toBe(ErrorCode.CHAT_FORBIDDEN);
    expect((await chat(admin, { action: 'edit', target: room('lobby'), refId: postId, text: 'admin edit' })).ack.code).toBe(ErrorCode.CHAT_FORBIDDEN);
    // The edit must name the conversation the message is in.
    expect((await chat(a, { action: 'edit', target: room('quiet'), refId: postId, text: 'x' })).ack.code).toBe(ErrorCode.CHAT_NOT_FOUND);

    expect((await chat(admin, { action: 'delete', target: room('lobby'), refId: postId })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    const gone = await b.next('chatEvent', (e) => e.message?.deletion !== undefined);
    expect(gone.message?.post?.text).toBe('');
    expect(gone.message?.edit).toBeUndefined();
    expect(texts(await history(b, room('lobby')))).toEqual(['(deleted)']);
    expect((await chat(a, { action: 'edit', target: room('lobby'), refId: postId, text: 'back?' })).ack.code).toBe(ErrorCode.CHAT_NOT_FOUND);

    const own = await chat(b, { target: room('lobby'), text: 'bye' });
    expect((await chat(b, { action: 'delete', target: room('lobby'), refId: own.item.id as Uint8Array })).ack.code).toBe(ErrorCode.UNSPECIFIED);
  });

  it('lets guests chat like members, and follows the role the relay holds for the session as admins change it', async () => {
    const r = await relayWith();
    // A fresh relay without admins admits unknown keys as guests.
    const g = await client(r, 'Gus');
    const h = await client(r, 'Hal');
    expect(g.authOk.role).toBe(Role.GUEST);
    const first = await chat(h, { target: room('lobby'), text: 'first' });
    const second = await chat(h, { target: room('lobby'), text: 'second' });
    const mine = await chat(g, { target: room('lobby'), text: 'guest here' });
    expect(mine.ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await chat(g, { action: 'edit', target: room('lobby'), refId: mine.item.id as Uint8Array, text: 'guest, edited' })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await chat(g, { target: direct(rawPublicKeyOf(h.key)), text: 'hi Hal' })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await chat(g, { action: 'delete', target: room('lobby'), refId: first.item.id as Uint8Array })).ack.code).toBe(ErrorCode.CHAT_FORBIDDEN);

    // An admin arrives and promotes the connected guest: the next check sees ROLE_ADMIN.
    const admin = await client(r, 'Root', generateKey(), r.relay.bootstrapInvite);
    const promoted = g.next('userUpdated', (u) => u.user?.sessionId === g.sessionId && u.user.role === Role.ADMIN);
    expect((await adminRequest(admin, { case: 'setRole', value: { publicKey: rawPublicKeyOf(g.key), role: Role.ADMIN } })).code).toBe(ErrorCode.UNSPECIFIED);
    await promoted;
    expect((await chat(g, { action: 'delete', target: room('lobby'), refId: first.item.id as Uint8Array })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    // Demoted to member: someone else's message is out of reach again.
    const demoted = g.next('userUpdated', (u) => u.user?.sessionId === g.sessionId && u.user.role === Role.MEMBER);
    expect((await adminRequest(admin, { case: 'setRole', value: { publicKey: rawPublicKeyOf(g.key), role: Role.MEMBER } })).code).toBe(ErrorCode.UNSPECIFIED);
    await demoted;
    expect((await chat(g, { action: 'delete', target: room('lobby'), refId: second.item.id as Uint8Array })).ack.code).toBe(ErrorCode.CHAT_FORBIDDEN);
    expect(texts(await history(h, room('lobby')))).toEqual(['(deleted)', 'second', 'guest, edited']);
  });

  it('refuses forged, oversized, malformed and over-rate items with codes while others keep chatting', async () => {
    const r = await relayWith({ chat: { burst: 10, perSecond: 2 } });
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');

    const forged = signedItem(a, { target: room('lobby'), text: 'real' });
    forged.text = 'altered';
    expect((await sendItem(a, forged)).code).toBe(ErrorCode.BAD_SIGNATURE);
    // Signed by B but claiming A's key: not A's session's key.
    const impostor = signedItem(b, { target: room('lobby'), text: 'as Ana' });
    impostor.authorKey = rawPublicKeyOf(a.key);
    expect((await sendItem(b, impostor)).code).toBe(ErrorCode.BAD_REQUEST);
    expect((await chat(a, { target: room('lobby'), text: 'x'.repeat(MAX_CHAT_CHARS + 1) })).ack.code).toBe(ErrorCode.TOO_LARGE);
    expect((await chat(a, { target: room('lobby'), text: '😀'.repeat(MAX_CHAT_CHARS) })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await chat(a, { target: room('lobby'), text: 'bell\u0007' })).ack.code).toBe(ErrorCode.BAD_REQUEST);
    expect((await chat(a, { target: room('lobby'), text: '   ' })).ack.code).toBe(ErrorCode.BAD_REQUEST);
    expect((await chat(a, { target: room('nowhere') })).ack.code).toBe(ErrorCode.UNKNOWN_ROOM);
    expect((await chat(a, { target: direct(rawPublicKeyOf(a.key)) })).ack.code).toBe(ErrorCode.BAD_REQUEST);
    expect((await chat(a, { target: direct(rawPublicKeyOf(generateKey())) })).ack.code).toBe(ErrorCode.CHAT_NOT_FOUND);
    const noId = signedItem(a, { target: room('lobby') });
    noId.id = new Uint8Array(3);
    a.send({ case: 'chatSend', value: { item: noId } });
    expect((await a.next('chatAck', (x) => x.id.byteLength === 3)).code).toBe(ErrorCode.BAD_REQUEST);

    // A flood: the bucket (burst 10, already part used above) runs dry and says when to retry.
    const acks = [];
    for (let i = 0; i < 12; i++) acks.push((await chat(a, { target: room('lobby'), text: `flood ${i}` })).ack);
    const limited = acks.filter((x) => x.code === ErrorCode.RATE_LIMITED);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.retryAfterMs).toBeGreaterThan(0);
    expect(limited[0]!.retryAfterMs).toBeLessThanOrEqual(500);
    // B is unaffected, and A's socket is still open.
    expect((await chat(b, { target: room('lobby'), text: 'still here' })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    await a.ping();
    expect(r.relay.stats().frames['chat-refused']).toBeGreaterThanOrEqual(9);
  });

  it('answers random chat items with a refusal code and keeps serving everyone (property)', async () => {
    const r = await relayWith({ chat: { burst: 10_000, perSecond: 10_000 }, limits: { controlBurst: 10_000, controlPerSecond: 10_000 } });
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');
    const errors: unknown[] = [];
    r.relay.on('internal-error', (e) => errors.push(e.error));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          action: fc.integer({ min: 0, max: 4 }),
          id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
          authorKey: fc.oneof(fc.constant(rawPublicKeyOf(a.key)), fc.uint8Array({ maxLength: 33 })),
          target: fc.oneof(
            fc.constantFrom('lobby', 'quiet', '', 'x'.repeat(200)).map((value) => ({ to: { case: 'roomId' as const, value } })),
            fc.uint8Array({ maxLength: 33 }).map((value) => ({ to: { case: 'peerKey' as const, value } })),
          ),
          clientTimeMs: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          refId: fc.uint8Array({ maxLength: 17 }),
          text: fc.string({ maxLength: 40 }),
          signature: fc.uint8Array({ minLength: 0, maxLength: 64 }),
        }),
        async (item) => {
          const ack = await sendItem(a, item);
          expect(ack.code).not.toBe(ErrorCode.UNSPECIFIED);
        },
      ),
      { numRuns: 150 },
    );
    expect((await chat(b, { target: room('lobby'), text: 'unaffected' })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await chat(a, { target: room('lobby'), text: 'me too' })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect(errors).toEqual([]);
  });

  it('answers a repeated id with the stored verdict and stores it once; another author cannot reuse it', async () => {
    const r = await relayWith();
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');
    const item = signedItem(a, { target: room('lobby'), text: 'once' });
    const [one, two] = await Promise.all([sendItem(a, item), sendItem(a, item)]);
    expect(one).toMatchObject({ code: ErrorCode.UNSPECIFIED, seq: 1n });
    expect(two).toMatchObject({ code: ErrorCode.UNSPECIFIED, seq: 1n });
    expect((await sendItem(a, item)).seq).toBe(1n);
    expect(texts(await history(a, room('lobby')))).toEqual(['once']);
    await b.ping();
    expect(b.socket.count('chatEvent')).toBe(1);
    const stolen = signedItem(b, { target: room('lobby'), text: 'mine', id: item.id as Uint8Array });
    expect((await sendItem(b, stolen)).code).toBe(ErrorCode.CHAT_ID_CONFLICT);
  });

  it('delivers direct messages to every session of both parties only, and keeps them for later', async () => {
    const r = await relayWith();
    const bKey = generateKey();
    const a = await client(r, 'Ana');
    const b1 = await client(r, 'Bo', bKey);
    const b2 = await client(r, 'Bo', bKey);
    const c = await client(r, 'Cy');
    const bPub = rawPublicKeyOf(bKey);
    const { ack } = await chat(a, { target: direct(bPub), text: 'psst' });
    expect(ack.seq).toBe(1n);
    for (const s of [b1, b2, a]) expect((await s.next('chatEvent')).message?.post?.text).toBe('psst');
    await c.ping();
    expect(c.socket.count('chatEvent')).toBe(0);
    // B reads it from B's side of the conversation; C cannot see it from either side.
    expect(texts(await history(b1, direct(rawPublicKeyOf(a.key))))).toEqual(['psst']);
    expect(texts(await history(c, direct(bPub)))).toEqual([]);
    await b1.close();
    await b2.close();
    await chat(a, { target: direct(bPub), text: 'are you there?' });
    const back = await client(r, 'Bo', bKey);
    const head = (await back.next('chatSummary')).heads.find((h) => h.target?.to.case === 'peerKey');
    expect(head).toMatchObject({ lastSeq: 2n, peerName: 'Ana' });
    expect(sameBytes(head?.target?.to.value as Uint8Array, rawPublicKeyOf(a.key))).toBe(true);
    expect(texts(await history(back, direct(rawPublicKeyOf(a.key))))).toEqual(['psst', 'are you there?']);
  });

  it('keeps history, edits, deletions and ids across a relay restart', async () => {
    const dataDir = await makeDataDir();
    fixtures.defer(() => rm(dataDir, { recursive: true, force: true }));
    const key = generateKey();
    const first = await startRelay({ dataDir });
    const a = await connectClient(first.relay.wsUrl, { name: 'Ana', key });
    const kept = await chat(a, { target: room('lobby'), text: 'before restart' });
    const doomed = await chat(a, { target: room('lobby'), text: 'to delete' });
    await chat(a, { action: 'edit', target: room('lobby'), refId: kept.item.id as Uint8Array, text: 'before restart (edited)' });
    await chat(a, { action: 'delete', target: room('lobby'), refId: doomed.item.id as Uint8Array });
    await a.close();
    await first.stop();

    const second = await startRelay({ dataDir });
    fixtures.defer(() => second.stop());
    const again = await connectClient(second.relay.wsUrl, { name: 'Ana', key });
    fixtures.defer(() => again.close());
    expect((await again.next('chatSummary')).heads.find((h) => h.target?.to.value === 'lobby')?.lastSeq).toBe(2n);
    expect(texts(await history(again, room('lobby')))).toEqual(['before restart (edited)', '(deleted)']);
    // The retried post is recognised after the restart: same seq, no duplicate.
    expect((await sendItem(again, kept.item)).seq).toBe(1n);
    expect((await chat(again, { target: room('lobby'), text: 'after' })).ack.seq).toBe(3n);
  });
});
