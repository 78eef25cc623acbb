/**
 * Signed room-tree ops against a real relay: each refusal comes back with its
 * code and changes nothing for anyone; applied ops reach every replica, the
 * audit log and the disk; the three concurrent-offline-edit scenarios end by
 * the rule in docs/ARCHITECTURE.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { decodeOpBody, encodeUpdate, MAX_OP_BODY_BYTES, opHex, TREE_DOC } from '../../../crdt/index.ts';
import type { Rooms } from '../../../crdt/index.ts';
import { ErrorCode, Role } from '../../../proto/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { OpClient } from '../../helpers/ops.ts';
import { startRelay, waitForEvent } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import * as Y from 'yjs';

const shape = (rooms: Rooms) =>
  [...rooms.values()].map((r) => `${r.id}:${r.name}@${r.parent}#${r.position}`).sort();

async function makeAdmin(admin: TestClient, other: TestClient): Promise<void> {
  admin.send({ case: 'adminRequest', value: { requestId: 77, action: { case: 'setRole', value: { publicKey: other.roster.find((u) => u.sessionId === other.sessionId)!.publicKey, role: Role.ADMIN } } } });
  const r = await admin.next('adminResult', (x) => x.requestId === 77);
  expect(r.code).toBe(ErrorCode.UNSPECIFIED);
}

describe('room tree ops on a real relay', () => {
  let started: StartedRelay;
  let a: OpClient;
  let b: OpClient;
  let guest: OpClient;
  let watcher: OpClient;

  beforeAll(async () => {
    started = await startRelay({ serverName: 'Ops relay', guests: 'allow' });
    a = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin A', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    b = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin B', key: generateKey() }));
    await makeAdmin(a.client, b.client);
    guest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest', key: generateKey() }));
    watcher = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Watcher', key: generateKey() }));
    await Promise.all([a.sync(), b.sync(), guest.sync(), watcher.sync()]);
  });
  afterAll(async () => {
    for (const c of [a, b, guest, watcher]) await c?.client.close();
    await started?.cleanup();
  });

  it('seeds root, lobby and quiet, and every replica syncs them', () => {
    expect(shape(watcher.rooms())).toEqual(['lobby:Lobby@root#0', 'quiet:Quiet room@root#1', 'root:Ops relay@#0']);
  });

  it('applies an admin create, renames and moves; every replica follows; the room is joinable with its own voice id', async () => {
    expect((await a.run({ kind: 'room.create', args: { roomId: 'games', parentId: 'root', name: 'Games', index: 9, description: 'play', userLimit: 0 } })).code).toBe(ErrorCode.UNSPECIFIED);
    expect((await a.run({ kind: 'room.create', args: { roomId: 'chess', parentId: 'games', name: 'Chess', index: 0, description: '', userLimit: 2 } })).code).toBe(0);
    expect((await b.run({ kind: 'room.move', args: { roomId: 'quiet', parentId: 'games', index: 0 } })).code).toBe(0);
    expect((await b.run({ kind: 'room.rename', args: { roomId: 'chess', name: 'Chess club' } })).code).toBe(0);
    const want = ['chess:Chess club@games#1', 'games:Games@root#1', 'lobby:Lobby@root#0', 'quiet:Quiet room@games#0', 'root:Ops relay@#0'];
    await expect.poll(() => shape(watcher.rooms())).toEqual(want);
    expect(shape(a.rooms())).toEqual(want);
    const chess = watcher.rooms().get('chess')!;
    expect(chess.voiceId).toBeGreaterThan(3);
    await watcher.client.join('chess');
    await watcher.client.join('lobby');
  });

  describe('refusals: typed code, state unchanged, others unaffected', () => {
    let before: string[];
    beforeAll(async () => {
      await a.sync();
      before = shape(a.rooms());
    });

    it.each([
      ['forged signature', () => {
        const op = a.sign({ kind: 'room.rename', args: { roomId: 'lobby', name: 'Hacked' } });
        op.signature[0]! ^= 0xff;
        return { client: a, op, code: ErrorCode.OP_BAD_SIGNATURE };
      }],
      ['op by a non-admin', () => ({ client: guest, op: guest.sign({ kind: 'room.rename', args: { roomId: 'lobby', name: 'Mine' } }), code: ErrorCode.OP_FORBIDDEN })],
      ['move creating a cycle', () => ({ client: a, op: a.sign({ kind: 'room.move', args: { roomId: 'games', parentId: 'chess', index: 0 } }), code: ErrorCode.OP_CYCLE })],
      ['duplicate sibling name', () => ({ client: a, op: a.sign({ kind: 'room.rename', args: { roomId: 'lobby', name: 'GAMES' } }), code: ErrorCode.OP_DUPLICATE_NAME })],
      ['oversized op', () => ({ client: a, op: a.sign({ kind: 'room.describe', args: { roomId: 'lobby', description: 'x'.repeat(MAX_OP_BODY_BYTES + 1), userLimit: 0 } }), code: ErrorCode.OP_TOO_LARGE })],
      ['unknown room', () => ({ client: a, op: a.sign({ kind: 'room.rename', args: { roomId: 'nowhere', name: 'X' } }), code: ErrorCode.OP_UNKNOWN_ROOM })],
      ['name over 64 characters', () => ({ client: a, op: a.sign({ kind: 'room.rename', args: { roomId: 'lobby', name: 'n'.repeat(65) } }), code: ErrorCode.OP_BAD_NAME })],
      ['deleting the root', () => ({ client: a, op: a.sign({ kind: 'room.delete', args: { roomId: 'root' } }), code: ErrorCode.OP_ROOT_PROTECTED })],
    ])('%s', async (_name, make) => {
      const { client, op, code } = make();
      const [result] = await client.submit([op]);
      expect(result!.code).toBe(code);
      expect(result!.reason.length).toBeGreaterThan(0);
      await a.sync();
      expect(shape(a.rooms())).toEqual(before);
      // Everyone else is still served.
      await watcher.client.ping();
      await guest.client.ping();
    });

    it('a replayed sequence number is refused; the same op id again gets its earlier verdict', async () => {
      const op = a.sign({ kind: 'room.describe', args: { roomId: 'lobby', description: 'Start here', userLimit: 0 } });
      const [first] = await a.submit([op]);
      expect(first!.code).toBe(0);
      const [again] = await a.submit([op]);
      expect(again).toMatchObject({ code: 0, serverSeq: first!.serverSeq });
      const replay = a.sign({ kind: 'room.rename', args: { roomId: 'lobby', name: 'Replay' } }, a.seq);
      expect((await a.submit([replay]))[0]!.code).toBe(ErrorCode.OP_REPLAYED);
      await a.sync();
      expect(a.rooms().get('lobby')).toMatchObject({ name: 'Lobby', description: 'Start here' });
    });

    it('an op for another relay or by an unknown key is refused', async () => {
      const other = generateKey();
      const { signOp } = await import('../../helpers/ops.ts');
      const unknown = signOp(other, a.client.hello.relayPublicKey, 1, { kind: 'room.rename', args: { roomId: 'lobby', name: 'Who' } });
      const wrongRelay = signOp(a.client.key, new Uint8Array(32).fill(9), ++a.seq, { kind: 'room.rename', args: { roomId: 'lobby', name: 'Who' } });
      const results = await a.submit([unknown, wrongRelay]);
      expect(results.map((r) => r.code)).toEqual([ErrorCode.OP_UNKNOWN_KEY, ErrorCode.OP_WRONG_RELAY]);
    });

    it('a client-sent Yjs update is ignored: clients are read-only replicas', async () => {
      const evil = new Y.Doc();
      evil.getMap('rooms').set('evil', new Y.Map());
      const update = Y.encodeStateAsUpdate(evil);
      a.client.send({ case: 'crdtSync', value: { doc: TREE_DOC, data: encodeUpdate(update) } });
      await a.client.ping();
      await a.sync();
      expect(a.rooms().has('evil')).toBe(false);
      expect(started.relay.stats().frames['read-only-sync']).toBeGreaterThan(0);
    });
  });

  describe('concurrent offline edits: first to reach the relay wins, later ops are re-validated', () => {
    it('crossing moves: A moves X under Y, B moves Y under X; the second is refused as a cycle', async () => {
      await a.run({ kind: 'room.create', args: { roomId: 'x', parentId: 'root', name: 'X', index: 9, description: '', userLimit: 0 } });
      await a.run({ kind: 'room.create', args: { roomId: 'y', parentId: 'root', name: 'Y', index: 9, description: '', userLimit: 0 } });
      // Both signed while "offline", then delivered A first.
      const fromA = a.sign({ kind: 'room.move', args: { roomId: 'x', parentId: 'y', index: 0 } });
      const fromB = b.sign({ kind: 'room.move', args: { roomId: 'y', parentId: 'x', index: 0 } });
      expect((await a.submit([fromA]))[0]!.code).toBe(0);
      expect((await b.submit([fromB]))[0]!.code).toBe(ErrorCode.OP_CYCLE);
      await Promise.all([a.sync(), b.sync()]);
      expect(a.rooms().get('x')!.parent).toBe('y');
      expect(shape(b.rooms())).toEqual(shape(a.rooms()));
    });

    it('both rename the same room: both apply in arrival order, the later name stays', async () => {
      const fromA = a.sign({ kind: 'room.rename', args: { roomId: 'x', name: 'Named by A' } });
      const fromB = b.sign({ kind: 'room.rename', args: { roomId: 'x', name: 'Named by B' } });
      expect((await b.submit([fromB]))[0]!.code).toBe(0);
      expect((await a.submit([fromA]))[0]!.code).toBe(0);
      await Promise.all([a.sync(), b.sync()]);
      expect(b.rooms().get('x')!.name).toBe('Named by A');
      expect(shape(b.rooms())).toEqual(shape(a.rooms()));
    });

    it('one deletes a room the other renamed: delete first refuses the rename; rename first is then deleted', async () => {
      const del = a.sign({ kind: 'room.delete', args: { roomId: 'x' } });
      const ren = b.sign({ kind: 'room.rename', args: { roomId: 'x', name: 'Too late' } });
      expect((await a.submit([del]))[0]!.code).toBe(0);
      expect((await b.submit([ren]))[0]!.code).toBe(ErrorCode.OP_UNKNOWN_ROOM);
      const ren2 = b.sign({ kind: 'room.rename', args: { roomId: 'y', name: 'Renamed Y' } });
      const del2 = a.sign({ kind: 'room.delete', args: { roomId: 'y' } });
      expect((await b.submit([ren2]))[0]!.code).toBe(0);
      expect((await a.submit([del2]))[0]!.code).toBe(0);
      await Promise.all([a.sync(), b.sync(), watcher.sync()]);
      expect(a.rooms().has('y')).toBe(false);
      expect(shape(watcher.rooms())).toEqual(shape(a.rooms()));
    });
  });

  it('deleting a room moves the people in it to its parent, through the roster: broadcast, room-changed, remembered', async () => {
    await a.run({ kind: 'room.create', args: { roomId: 'tmp', parentId: 'games', name: 'Temporary', index: 0, description: '', userLimit: 0 } });
    const key = generateKey();
    const visitor = await connectClient(started.relay.wsUrl, { name: 'Visitor', key });
    await visitor.join('tmp');
    const moved = guest.client.next('userUpdated', (u) => u.user?.sessionId === visitor.sessionId && u.user.roomId === 'games');
    const changed = waitForEvent(started.relay, 'room-changed', (e) => e.sessionId === visitor.sessionId);
    expect((await a.run({ kind: 'room.delete', args: { roomId: 'tmp' } })).code).toBe(0);
    await moved;
    expect(await changed).toEqual({ sessionId: visitor.sessionId, from: 'tmp', to: 'games' });
    await visitor.close();
    // The relay remembered the room the delete moved them to: the next sign-in lands there.
    const again = await connectClient(started.relay.wsUrl, { name: 'Visitor', key });
    expect(again.authOk.roomId).toBe('games');
    await again.close();
  });

  it('admins read the audit log with verifiable signatures; others are refused', async () => {
    a.client.send({ case: 'opHistoryRequest', value: { beforeSeq: 0n, limit: 5 } });
    const page = await a.client.next('opHistory');
    expect(page.code).toBe(0);
    expect(page.entries).toHaveLength(5);
    expect(page.more).toBe(true);
    for (const e of page.entries) {
      const body = decodeOpBody(e.op!.body);
      expect(body.ok).toBe(true);
      if (!body.ok) continue;
      const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), body.value.author]), format: 'der', type: 'spki' });
      expect(verify(null, e.op!.body, key, e.op!.signature)).toBe(true);
    }
    const seqs = page.entries.map((e) => Number(e.serverSeq));
    expect(seqs).toEqual([...seqs].sort((x, y) => y - x));
    guest.client.send({ case: 'opHistoryRequest', value: { beforeSeq: 0n, limit: 5 } });
    expect((await guest.client.next('opHistory')).code).toBe(ErrorCode.FORBIDDEN);
  });

  it('a restart keeps the tree and the log', async () => {
    await a.sync();
    const tree = shape(a.rooms());
    a.client.send({ case: 'opHistoryRequest', value: { beforeSeq: 0n, limit: 200 } });
    const log = (await a.client.next('opHistory')).entries.map((e) => opHex(e.op!.body));
    for (const c of [a, b, guest, watcher]) await c.client.close();
    await started.stop();
    started = await startRelay({ dataDir: started.dataDir, serverName: 'Ops relay', guests: 'allow' });
    a = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin A', key: a.client.key }));
    b = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin B', key: b.client.key }));
    guest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest', key: guest.client.key }));
    watcher = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Watcher', key: watcher.client.key }));
    await a.sync();
    expect(shape(a.rooms())).toEqual(tree);
    a.client.send({ case: 'opHistoryRequest', value: { beforeSeq: 0n, limit: 200 } });
    expect((await a.client.next('opHistory')).entries.map((e) => opHex(e.op!.body))).toEqual(log);
  });
});
