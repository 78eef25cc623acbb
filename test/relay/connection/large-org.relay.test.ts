/**
 * Issue 12, findings 2 and 5 against a real relay: no frame grows with the
 * organisation. 600 people with long names (64 bytes) are signed in and an
 * admin made 200 rooms with 500-character descriptions; before paging one
 * AuthOk carried all of it (~180 KB) and every client dropped it as too
 * large. Now a newcomer gets a small AuthOk, the roster in pages, the chat
 * summary in pages and the tree document in chunks, each frame within what a
 * client accepts, and together they say exactly who and what there is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBinary } from '@bufbuild/protobuf';
import { AuthOkSchema, MAX_CONTROL_FRAME_BYTES } from '../../../proto/index.ts';
import type { OpIntent } from '../../../crdt/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { OpClient } from '../../helpers/ops.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const PEOPLE = 600;
const ROOMS = 200;
/** 32 characters (the relay's maximum), 64 bytes of UTF-8. */
const longName = (i: number): string => `${'é'.repeat(26)}${String(i).padStart(6, '0')}`.replace(/\d/g, (d) => 'àáâãäåæçèê'[Number(d)]!);

describe('a large organisation', () => {
  let started: StartedRelay;
  const clients: TestClient[] = [];
  let admin: OpClient;

  beforeAll(async () => {
    // Every simulated person connects from 127.0.0.1: lift the per-address connection cap (relay/access/connection-cap.ts).
    started = await startRelay({ guests: 'allow', limits: { maxConnectionsPerAddress: 10_000 } });
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    clients.push(admin.client);
    const creates: OpIntent[] = Array.from({ length: ROOMS }, (_, i) => ({
      kind: 'room.create',
      args: { roomId: `room-${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: `${i} `.padEnd(500, 'd'), userLimit: 0 },
    }));
    for (let i = 0; i < creates.length; i += 50) {
      const results = await admin.submit(creates.slice(i, i + 50).map((c) => admin.sign(c)), 30_000);
      expect(results.every((r) => r.code === 0)).toBe(true);
    }
    for (let i = 1; i < PEOPLE; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(100, PEOPLE - i) }, (_, k) => connectClient(started.relay.wsUrl, { name: longName(i + k), lean: true, timeoutMs: 30_000 })))));
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await started?.cleanup();
  });

  it('a newcomer gets a small AuthOk, the whole roster in pages, every room through chunked sync and the chat summary in pages, every frame within the client limit', async () => {
    const newcomer = await connectClient(started.relay.wsUrl, { name: 'Newcomer', timeoutMs: 30_000 });
    clients.push(newcomer);
    // AuthOk is the caller's own state only.
    expect(toBinary(AuthOkSchema, newcomer.authOk).byteLength).toBeLessThan(64);
    expect(newcomer.roster).toHaveLength(PEOPLE + 1);
    expect(new Set(newcomer.roster.map((u) => u.sessionId)).size).toBe(PEOPLE + 1);
    expect(newcomer.roster.find((u) => u.sessionId === newcomer.sessionId)?.displayName).toBe('Newcomer');
    const pages = newcomer.socket.received.filter((m) => m.case === 'presencePage');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.filter((p) => p.value.last)).toHaveLength(1);
    expect(pages.at(-1)!.value.last).toBe(true);

    // The chat summary: one head per room the guest may read, over several pages.
    const summaries = [];
    for (;;) {
      const page = await newcomer.next('chatSummary', undefined, 30_000);
      summaries.push(page);
      if (page.last) break;
    }
    const heads = summaries.flatMap((s) => s.heads.map((h) => (h.target?.to.case === 'roomId' ? h.target.to.value : '')));
    expect(new Set(heads).size).toBe(heads.length);
    expect(heads).toEqual(expect.arrayContaining(Array.from({ length: ROOMS }, (_, i) => `room-${i}`)));

    // The room list: the tree document, chunked, joined, applied.
    const tree = new OpClient(newcomer);
    await tree.sync();
    expect(tree.chunkErrors).toEqual([]);
    expect(tree.rooms().size).toBe(ROOMS + 3);
    expect(tree.rooms().get('room-7')?.description).toBe('7 '.padEnd(500, 'd'));
    const chunks = newcomer.socket.received.filter((m) => m.case === 'crdtSync' && m.value.doc === 'tree');
    expect(chunks.length).toBeGreaterThan(1);

    // Nothing the relay ever sent was over the limit.
    expect(started.relay.stats().controlSend.largestFrameBytes).toBeGreaterThan(16 * 1024);
    expect(started.relay.stats().controlSend.largestFrameBytes).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
  }, 60_000);

  it('a large tree update (one frame of 80 creates with long descriptions) reaches a watcher in chunks it can join', async () => {
    const watcher = new OpClient(clients.at(-1)!);
    await Promise.all([admin.sync(), watcher.sync()]);
    const creates: OpIntent[] = Array.from({ length: 80 }, (_, i) => ({
      kind: 'room.create',
      args: { roomId: `late-${i}`, parentId: 'root', name: `Late ${i}`, index: 0, description: 'x'.repeat(500), userLimit: 0 },
    }));
    const results = await admin.submit(creates.map((c) => admin.sign(c)), 30_000);
    expect(results.map((r) => r.reason)).toEqual(results.map(() => ''));
    await expect.poll(() => watcher.chunkErrors.length > 0 || watcher.rooms().has('late-79'), { timeout: 10_000 }).toBe(true);
    expect(watcher.chunkErrors).toEqual([]);
    expect(watcher.rooms().has('late-79')).toBe(true);
    const update = watcher.client.socket.received.filter((m) => m.case === 'crdtSync' && m.value.doc === 'tree').at(-1);
    expect(update?.case === 'crdtSync' && update.value.parts).toBeGreaterThan(1);
    expect(started.relay.stats().controlSend.largestFrameBytes).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
  }, 60_000);
});
