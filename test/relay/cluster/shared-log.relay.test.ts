/**
 * Three real relays on one real nats-server serve one organisation: a room
 * op made on one relay reaches the tree of a client on another, every relay
 * ends with the same document, and forged or unauthorised ops are refused
 * with the same code whichever relay receives them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ROOT_ID } from '../../../crdt/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { OpClient, signOp } from '../../helpers/ops.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';

const shape = (c: OpClient): string[] => [...c.rooms().values()].map((r) => `${r.id}:${r.name}@${r.parent}#${r.voiceId}`).sort();

describe.runIf(hasNatsServer)('three relays share one ordered log', () => {
  let cluster: RelayCluster;
  const admins: OpClient[] = [];
  const guests: OpClient[] = [];
  const adminKey = generateKey();

  beforeAll(async () => {
    cluster = await startRelayCluster(3);
    await cluster.writer();
    for (const r of cluster.relays) {
      // The same admin key on every relay: relay 1's bootstrap invite makes it the organisation's admin (roles are shared); the writer sees the other relays' invites are not needed.
      admins.push(new OpClient(await connectClient(r.relay.wsUrl, { name: 'Admin', key: adminKey, invite: r.relay.bootstrapInvite! })));
      guests.push(new OpClient(await connectClient(r.relay.wsUrl, { name: 'Guest', key: generateKey() })));
    }
    // One key, three clients: each counts its sequence numbers in its own range, as separate devices would have to.
    admins.forEach((a, i) => (a.seq = i * 1_000));
    for (const c of [...admins, ...guests]) await c.sync();
  });
  afterAll(async () => {
    for (const c of [...admins, ...guests]) await c.client.close();
    await cluster?.close();
  });

  it('every relay serves the same organisation key and the same tree document', async () => {
    const keys = cluster.relays.map((r) => Buffer.from(r.relay.publicKey).toString('hex'));
    expect(new Set(keys).size).toBe(1);
    expect(shape(guests[0]!)).toEqual(shape(guests[2]!));
    expect(guests[0]!.rooms().get(ROOT_ID)).toBeDefined();
  });

  it('a room made on relay 1 shows in the tree of a client on relay 3; the order is one for all', async () => {
    const made = await admins[0]!.run({ kind: 'room.create', args: { roomId: 'made-on-1', name: 'Made on one', parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });
    expect(made.code).toBe(ErrorCode.UNSPECIFIED);
    await expect.poll(() => guests[2]!.rooms().get('made-on-1')?.name, { timeout: 10_000 }).toBe('Made on one');
    // Renames from relays 2 and 3 (the same admin key: one device, so in turn): one order, everyone ends with the last.
    const a = await admins[1]!.run({ kind: 'room.rename', args: { roomId: 'made-on-1', name: 'Renamed on two' } });
    const b = await admins[2]!.run({ kind: 'room.rename', args: { roomId: 'made-on-1', name: 'Renamed on three' } });
    expect([a.code, b.code]).toEqual([ErrorCode.UNSPECIFIED, ErrorCode.UNSPECIFIED]);
    expect(b.serverSeq).toBeGreaterThan(a.serverSeq);
    const last = 'Renamed on three';
    for (const g of guests) await expect.poll(() => g.rooms().get('made-on-1')?.name, { timeout: 10_000 }).toBe(last);
    const shapes = guests.map(shape);
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    // The relays' own documents are one document: the same state vector everywhere.
    const admin = admins[0]!;
    await expect.poll(() => guests.map((g) => Buffer.from(Y.encodeStateVector(g.doc)).toString('hex')).every((v) => v === Buffer.from(Y.encodeStateVector(admin.doc)).toString('hex')), { timeout: 10_000 }).toBe(true);
  });

  it('forged, replayed and unauthorised ops are refused with the same code on every relay', async () => {
    const codes: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const guest = guests[i]!;
      const admin = admins[i]!;
      const unauthorised = await guest.run({ kind: 'room.create', args: { roomId: `guest-${i}`, name: `Guest ${i}`, parentId: ROOT_ID, index: 0, description: '', userLimit: 0 } });
      // Signed by the guest's key but claiming the admin as author.
      const forgedOp = signOp(guest.client.key, guest.client.hello.relayPublicKey, 1_000 + i, { kind: 'room.rename', args: { roomId: 'made-on-1', name: 'Forged' } }, undefined, rawPublicKeyOf(admin.client.key));
      const [forged] = await guest.submit([forgedOp]);
      // The admin's last op again: already decided (its earlier verdict), and a new op with a used sequence number.
      const replayedOp = admin.sign({ kind: 'room.rename', args: { roomId: 'made-on-1', name: 'Replayed' } }, 1);
      const [replayed] = await admin.submit([replayedOp]);
      codes.push([unauthorised.code, forged!.code, replayed!.code]);
    }
    expect(codes[0]).toEqual([ErrorCode.OP_FORBIDDEN, ErrorCode.OP_BAD_SIGNATURE, ErrorCode.OP_REPLAYED]);
    expect(codes[1]).toEqual(codes[0]);
    expect(codes[2]).toEqual(codes[0]);
    for (const g of guests) expect(g.rooms().get('made-on-1')?.name).not.toBe('Forged');
    expect([...guests[0]!.rooms().keys()].filter((id) => id.startsWith('guest-'))).toEqual([]);
  });
});
