/**
 * Hidden rooms on a real relay (docs/ARCHITECTURE.md, "Hidden rooms"): a
 * guest whose rules deny `see` on /Staff receives no byte of its name,
 * description or id in any frame of a whole session — sign-in, roster pages,
 * tree and members sync, presence as a member enters it, chat posted in it,
 * refusals of everything the guest tries on it — while a member who may see
 * it gets all of it. An admin hiding a room live takes it out of the guest's
 * tree under a new epoch and moves the guest out of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMembers, readRooms } from '../../../crdt/index.ts';
import { bit, encodeGroup, encodeRule } from '../../../perms/index.ts';
import type { Rule } from '../../../perms/index.ts';
import { CHAT_ID_BYTES, ErrorCode, Role } from '../../../proto/index.ts';
import { randomBytes } from 'node:crypto';
import { chat, history, room, sendItem, signedItem } from '../../helpers/chat.ts';
import { buildSharedFile } from '../../helpers/files/index.ts';
import { adminRequest, makeInvite } from '../../helpers/invites.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import * as Y from 'yjs';
import { sign } from 'node:crypto';
import { clientHandleSync, encodeStep1, MEMBERS_DOC, SYNC_STEP2 } from '../../../crdt/index.ts';
import { memoryTreeCache, RoomTreeStore } from '../../../client/session/tree/index.ts';
import { verifyEd25519 } from '../../../keys/index.ts';
import { rawPublicKeyOf } from '../../helpers/relay-client.ts';

const STAFF = { id: 'staffq7x', name: 'StaffSECRETNAME', description: 'SECRETDESCRIPTION' };
const OPS = { id: 'opsk2v', name: 'OpsLIVENAME', description: 'before' };
const NO_GUESTS: Rule = { id: 'noguests', label: 'guests: no see', who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: bit('see'), here: true, subs: true };
const hide = (roomId: string) => ({ kind: 'acl.rule.put' as const, args: { roomId, rule: encodeRule(NO_GUESTS) } });

/** Every received frame of `c`, and all of them joined (a string split across two chunks is found too). */
function bytesOf(c: TestClient): Buffer[] {
  const frames = c.socket.frames.map((f) => Buffer.from(f));
  return [...frames, Buffer.concat(frames)];
}

function leaks(c: TestClient, secrets: readonly string[]): string[] {
  const found = new Set<string>();
  for (const b of bytesOf(c)) for (const s of secrets) if (b.includes(Buffer.from(s, 'utf8'))) found.add(s);
  return [...found];
}

/** Follows the members document (epochs as the client does: another epoch replaces the replica). */
function membersReplica(c: TestClient): { get: () => Map<number, string>; synced: Promise<void> } {
  let doc = new Y.Doc();
  let epoch = 0;
  let done: () => void = () => {};
  const synced = new Promise<void>((r) => (done = r));
  c.socket.tap((m) => {
    if (m.case !== 'crdtSync' || m.value.doc !== MEMBERS_DOC) return;
    if (m.value.epoch !== epoch) {
      doc = new Y.Doc();
      epoch = m.value.epoch;
    }
    if (clientHandleSync(doc, m.value.data, 'relay') === SYNC_STEP2) done();
  });
  c.send({ case: 'crdtSync', value: { doc: MEMBERS_DOC, data: encodeStep1(doc) } });
  return { get: () => readMembers(doc), synced };
}

describe('hidden rooms on a real relay', () => {
  let started: StartedRelay;
  let admin: OpClient;
  let member: OpClient;
  let guest: OpClient;
  let early: OpClient;
  const connect = async (o: ConnectOptions): Promise<OpClient> => new OpClient(await connectClient(started.relay.wsUrl, { captureFrames: true, ...o }));

  beforeAll(async () => {
    started = await startRelay({ serverName: 'Hidden relay', guests: 'allow' });
    admin = await connect({ name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() });
    await admin.client.next('adminState');
    // A guest signed in before the room exists: it must not get the batch that creates it.
    early = await connect({ name: 'Early guest', key: generateKey() });
    await Promise.all([admin.sync(), early.sync()]);
    // Made and hidden in one frame, so in one batch: no guest ever had it.
    const made = await admin.submit([admin.sign({ kind: 'room.create', args: { roomId: STAFF.id, parentId: 'root', name: STAFF.name, index: 0, description: STAFF.description, userLimit: 0 } }), admin.sign(hide(STAFF.id))]);
    expect(made.map((r) => r.code)).toEqual([ErrorCode.UNSPECIFIED, ErrorCode.UNSPECIFIED]);
    member = await connect({ name: 'Member', invite: makeInvite(admin.client.key, started.relay.publicKey), key: generateKey() });
    expect(member.client.authOk.role).toBe(Role.MEMBER);
    await member.sync();
    await member.client.join(STAFF.id);
    guest = await connect({ name: 'Guest', key: generateKey() });
    expect(guest.client.authOk.role).toBe(Role.GUEST);
    await guest.sync();
  });
  afterAll(async () => {
    for (const c of [admin, member, guest, early]) await c?.client.close();
    await started?.cleanup();
  });

  it('the member sees /Staff with its description; the guests do not, and the guest roster leaves out who is in it', async () => {
    expect(member.rooms().get(STAFF.id)?.description).toBe(STAFF.description);
    expect(guest.rooms().has(STAFF.id)).toBe(false);
    expect([...guest.rooms().keys()].sort()).toEqual(['lobby', 'quiet', 'root']);
    await expect.poll(() => early.rooms().has('lobby')).toBe(true);
    expect(early.rooms().has(STAFF.id)).toBe(false);
    expect(guest.client.roster.map((u) => u.sessionId)).not.toContain(member.client.sessionId);
    expect(guest.client.roster.map((u) => u.sessionId)).toContain(admin.client.sessionId);
    const members = membersReplica(guest.client);
    await members.synced;
    expect([...members.get().keys()]).not.toContain(member.client.sessionId);
    expect([...members.get().keys()]).toContain(guest.client.sessionId);
  });

  it('a guest cannot use the room: join, ops, chat and history are answered exactly like a room that does not exist', async () => {
    // Another guest (its frames echo the id it typed, which is not a leak), so `guest` stays clean.
    const prober = await connect({ name: 'Prober', key: generateKey() });
    await prober.sync();
    const guest = prober;
    guest.client.send({ case: 'joinRoom', value: { roomId: STAFF.id } });
    const hiddenJoin = await guest.client.next('error', (e) => e.context === 'join_room');
    guest.client.send({ case: 'joinRoom', value: { roomId: 'nosuchroom' } });
    const noneJoin = await guest.client.next('error', (e) => e.context === 'join_room');
    expect({ code: hiddenJoin.code, message: hiddenJoin.message }).toEqual({ code: noneJoin.code, message: noneJoin.message });
    expect(hiddenJoin.code).toBe(ErrorCode.UNKNOWN_ROOM);

    const [hiddenOp, noneOp] = await guest.submit([guest.sign({ kind: 'room.rename', args: { roomId: STAFF.id, name: 'x' } }), guest.sign({ kind: 'room.rename', args: { roomId: 'nosuchroom', name: 'x' } })]);
    expect(hiddenOp!.code).toBe(noneOp!.code);
    expect(hiddenOp!.reason.replace(STAFF.id, 'ID')).toBe(noneOp!.reason.replace('nosuchroom', 'ID'));

    const posted = await chat(guest.client, { target: room(STAFF.id), text: 'let me in' });
    const none = await chat(guest.client, { target: room('nosuchroom'), text: 'let me in' });
    expect(posted.ack.code).toBe(ErrorCode.UNKNOWN_ROOM);
    expect(posted.ack.detail).toBe(none.ack.detail);
    expect((await history(guest.client, room(STAFF.id))).code).toBe(ErrorCode.UNKNOWN_ROOM);
    await prober.client.close();
  });

  it('moves, room-password joins, SetRoomPassword and file requests answer a hidden room exactly like one that does not exist', async () => {
    // /Staff gets a password group with a password: even the right password must not tell a guest the room exists.
    const pwGroup = { name: 'pw', inherit: false, inheritable: false, add: [], remove: [], password: true as const };
    expect((await admin.run({ kind: 'acl.group.put', args: { roomId: STAFF.id, group: encodeGroup(pwGroup) } })).code).toBe(0);
    admin.client.send({ case: 'setRoomPassword', value: { requestId: 301, roomId: STAFF.id, group: 'pw', password: 'opensesame' } });
    expect((await admin.client.next('permsResult', (r) => r.requestId === 301)).code).toBe(ErrorCode.UNSPECIFIED);
    const prober = await connect({ name: 'Prober 2', key: generateKey() });
    await prober.sync();
    const p = prober.client;
    const pair = async <T,>(ask: (roomId: string) => Promise<T>): Promise<[T, T]> => [await ask(STAFF.id), await ask('nosuchroom')];
    const same = (a: { code: number; message: string }, b: { code: number; message: string }): void => {
      expect({ code: a.code, message: a.message.replace(STAFF.id, 'ID') }).toEqual({ code: b.code, message: b.message.replace('nosuchroom', 'ID') });
    };

    const joins = await pair(async (roomId) => {
      p.send({ case: 'joinRoom', value: { roomId, password: 'opensesame' } });
      return p.next('error', (e) => e.context === 'join_room');
    });
    same(joins[0], joins[1]);
    let request = 310;
    const passwords = await pair(async (roomId) => {
      const requestId = request++;
      p.send({ case: 'setRoomPassword', value: { requestId, roomId, group: 'pw', password: 'mine' } });
      return p.next('permsResult', (r) => r.requestId === requestId);
    });
    same(passwords[0], passwords[1]);
    expect(passwords[0].code).toBe(ErrorCode.UNKNOWN_ROOM);
    // Moving someone (here: oneself, which needs move-others) into the hidden room.
    const moves = await pair((roomId) => adminRequest(p, { case: 'moveUser', value: { sessionId: p.sessionId, roomId } }));
    same(moves[0], moves[1]);
    expect(moves[0].code).toBe(ErrorCode.UNKNOWN_ROOM);
    // Moving someone who is in the hidden room answers like a session that does not exist.
    const targets = [await adminRequest(p, { case: 'moveUser', value: { sessionId: member.client.sessionId, roomId: 'lobby' } }), await adminRequest(p, { case: 'moveUser', value: { sessionId: 999_999, roomId: 'lobby' } })];
    same(targets[0]!, targets[1]!);
    expect(targets[0]!.code).toBe(ErrorCode.UNKNOWN_USER);

    // A file shared in /Staff: asking for its peers is answered like a file that does not exist.
    const fileId = new Uint8Array(randomBytes(CHAT_ID_BYTES));
    const file = await buildSharedFile(member.client, room(STAFF.id), new Uint8Array(randomBytes(4_000)), fileId);
    expect((await sendItem(member.client, { ...signedItem(member.client, { target: room(STAFF.id), text: 'f.bin', id: fileId }), file: file.manifest })).code).toBe(ErrorCode.UNSPECIFIED);
    member.client.send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId, complete: true } });
    await member.client.ping();
    const files = [];
    for (const id of [fileId, new Uint8Array(randomBytes(CHAT_ID_BYTES))]) {
      p.send({ case: 'fileWantPeers', value: { fileId: id } });
      files.push((await p.next('fileError', (e) => e.context === 'want_peers')).code);
    }
    expect(files).toEqual([ErrorCode.FILE_UNKNOWN, ErrorCode.FILE_UNKNOWN]);
    // The member who sees /Staff is answered for that file.
    const other = await connect({ name: 'Member 2', invite: makeInvite(admin.client.key, started.relay.publicKey), key: generateKey() });
    other.client.send({ case: 'fileWantPeers', value: { fileId } });
    expect((await other.client.next('filePeers')).holders).toBe(1);
    for (const c of [prober, other]) await c.client.close();
    expect((await admin.run({ kind: 'acl.group.delete', args: { roomId: STAFF.id, name: 'pw' } })).code).toBe(0);
  });

  it('chat in /Staff reaches the member, not the guests; the member can read it back', async () => {
    const ack = (await chat(member.client, { target: room(STAFF.id), text: 'SECRETCHATTEXT' })).ack;
    expect(ack.code).toBe(ErrorCode.UNSPECIFIED);
    expect((await history(member.client, room(STAFF.id))).messages.map((m) => m.post?.text)).toContain('SECRETCHATTEXT');
    // The guests' barrier: a lobby message posted after it arrives, so the staff one would have come first.
    await chat(admin.client, { target: room('lobby'), text: 'barrier' });
    await Promise.all([guest.client.next('chatEvent', (e) => e.message?.post?.text === 'barrier'), early.client.next('chatEvent', (e) => e.message?.post?.text === 'barrier')]);
  });

  it('a member moving in and out of /Staff looks to the guest like leaving and coming back', async () => {
    await member.client.join('lobby');
    const back = await guest.client.next('userJoined', (u) => u.user?.sessionId === member.client.sessionId);
    expect(back.user?.roomId).toBe('lobby');
    member.client.send({ case: 'joinRoom', value: { roomId: STAFF.id } });
    await guest.client.next('userLeft', (u) => u.sessionId === member.client.sessionId);
    // Renames of someone in /Staff reach only those who see it.
    member.client.send({ case: 'setDisplayName', value: { displayName: 'Member two' } });
    await member.client.next('userUpdated', (u) => u.user?.displayName === 'Member two');
    await guest.client.ping();
    expect(guest.client.socket.received.some((m) => m.case === 'userUpdated' && m.value.user?.sessionId === member.client.sessionId && m.value.user.displayName === 'Member two')).toBe(false);
  });

  it('an admin hiding a room live: the guest in it moves out, its tree drops it under a new epoch, and later news of it never arrives', async () => {
    expect((await admin.run({ kind: 'room.create', args: { roomId: OPS.id, parentId: 'root', name: OPS.name, index: 5, description: OPS.description, userLimit: 0 } })).code).toBe(0);
    await expect.poll(() => guest.rooms().has(OPS.id)).toBe(true);
    await guest.client.join(OPS.id);
    const epochBefore = guest.epoch;
    const seenBefore = guest.client.socket.frames.length;
    expect((await admin.run(hide(OPS.id))).code).toBe(0);
    await expect.poll(() => guest.rooms().has(OPS.id)).toBe(false);
    expect(guest.epoch).not.toBe(epochBefore);
    await guest.client.next('userUpdated', (u) => u.user?.sessionId === guest.client.sessionId && u.user.roomId === 'root');
    // News of the hidden room after that reaches those who see it, never the guest.
    expect((await admin.run({ kind: 'room.describe', args: { roomId: OPS.id, description: 'LIVESECRETDESC', userLimit: 0 } })).code).toBe(0);
    await expect.poll(() => member.rooms().get(OPS.id)?.description).toBe('LIVESECRETDESC');
    await guest.client.ping();
    const after = guest.client.socket.frames.slice(seenBefore).map((f) => Buffer.from(f));
    for (const b of [...after, Buffer.concat(after)]) expect(b.includes(Buffer.from('LIVESECRETDESC'))).toBe(false);
    // The replica the guest now holds (what its IndexedDB cache is rewritten from) has no trace of the room, not even a deleted key.
    const held = [...(guest.doc.getMap('rooms') as unknown as { _map: Map<string, unknown> })._map.keys()];
    expect(held).not.toContain(OPS.id);
    expect(held).not.toContain(STAFF.id);
    expect(readRooms(guest.doc).has(OPS.id)).toBe(false);
    expect(member.rooms().get(OPS.id)?.description).toBe('LIVESECRETDESC');
  });

  it("a guest's client store replaces its cached tree at once when a room it holds becomes hidden", async () => {
    const CACHED = { id: 'cachedq3', name: 'CachedSECRETNAME' };
    expect((await admin.run({ kind: 'room.create', args: { roomId: CACHED.id, parentId: 'root', name: CACHED.name, index: 6, description: '', userLimit: 0 } })).code).toBe(0);
    const key = generateKey();
    const conn = await connectClient(started.relay.wsUrl, { name: 'Cached guest', key });
    const cache = memoryTreeCache();
    const signer = { kind: 'noble' as const, publicKey: rawPublicKeyOf(key), sign: async (b: Uint8Array) => new Uint8Array(sign(null, b, key)) };
    // Debounced saves never fire here: whatever reaches the cache was written at once.
    const store = new RoomTreeStore({ cache, signer, now: () => Date.now(), verify: verifyEd25519, onChange: () => {}, setTimer: () => 0, clearTimer: () => {} });
    conn.socket.tap((m) => void store.handle(m));
    await store.connected(conn.hello.relayPublicKey, 'guest', (msg) => (conn.send(msg), true));
    await expect.poll(() => store.rooms.some((r) => r.id === CACHED.id)).toBe(true);
    expect((await admin.run(hide(CACHED.id))).code).toBe(0);
    await expect.poll(() => store.rooms.some((r) => r.id === CACHED.id)).toBe(false);
    const holds = async (id: string): Promise<boolean | null> => {
      const doc = (await cache.load()).doc;
      return doc ? Buffer.from(doc).includes(Buffer.from(id)) : null;
    };
    await expect.poll(() => holds(CACHED.id)).toBe(false);
    const saved = (await cache.load()).doc!;
    for (const secret of [CACHED.id, CACHED.name, STAFF.id]) expect(Buffer.from(saved).includes(Buffer.from(secret))).toBe(false);
    const reread = new Y.Doc();
    Y.applyUpdate(reread, saved);
    expect(readRooms(reread).has('lobby')).toBe(true);
    store.close();
    await conn.close();
  });

  it('over the whole session no guest frame carried the name, description or id of /Staff, or its chat', async () => {
    await Promise.all([guest.client.ping(), early.client.ping()]);
    const secrets = [STAFF.id, STAFF.name, STAFF.description, 'SECRETCHATTEXT'];
    expect(leaks(guest.client, secrets)).toEqual([]);
    expect(leaks(early.client, secrets)).toEqual([]);
    // The same search finds them in the member's frames: the search itself works.
    expect(leaks(member.client, secrets).sort()).toEqual([...secrets].sort());
  });

  it('promoted to member live, the guest gets /Staff under a new epoch and meets who is in it', async () => {
    const epochBefore = guest.epoch;
    const key = guest.client.roster.find((u) => u.sessionId === guest.client.sessionId)!.publicKey;
    admin.client.send({ case: 'adminRequest', value: { requestId: 501, action: { case: 'setRole', value: { publicKey: key, role: Role.MEMBER } } } });
    expect((await admin.client.next('adminResult', (r) => r.requestId === 501)).code).toBe(ErrorCode.UNSPECIFIED);
    await expect.poll(() => guest.rooms().get(STAFF.id)?.description).toBe(STAFF.description);
    expect(guest.epoch).not.toBe(epochBefore);
    const met = await guest.client.next('userJoined', (u) => u.user?.sessionId === member.client.sessionId);
    expect(met.user?.roomId).toBe(STAFF.id);
  });
});
