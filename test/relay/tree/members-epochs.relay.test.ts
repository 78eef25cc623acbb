/**
 * The membership document on a real relay: sessions coming and going do not
 * make it grow without bound (it starts a new epoch), a client's store
 * follows every epoch, and a relay restart leaves no stale members in a
 * client that reconnects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryTreeCache, RoomTreeStore } from '../../../client/session/tree/index.ts';
import { MembersReplica, SYNC_STEP2 } from '../../../crdt/index.ts';
import { verifyEd25519 } from '../../../keys/index.ts';
import { connectClient, generateKey, nodeSigner } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';


/** A client's real RoomTreeStore fed by a real connection. */
async function storeOn(conn: TestClient, store: RoomTreeStore): Promise<{ epochs: Set<number> }> {
  const epochs = new Set<number>();
  conn.socket.tap((m) => {
    if (m.case === 'crdtSync' && m.value.doc === 'members') epochs.add(m.value.epoch);
    store.handle(m);
  });
  await store.connected(conn.hello.relayPublicKey, 'guest', (msg) => {
    conn.send(msg);
    return true;
  });
  return { epochs };
}

/** Bytes of the whole membership document, as a client syncing from nothing receives it. */
async function fullStateBytes(url: string): Promise<number> {
  const probe = await connectClient(url, { name: 'Probe', key: generateKey() });
  try {
    probe.send({ case: 'crdtSync', value: { doc: 'members', data: new MembersReplica().step1() } });
    const reply = await probe.next('crdtSync', (s) => s.doc === 'members' && s.data[0] === SYNC_STEP2);
    return reply.data.byteLength;
  } finally {
    await probe.close();
  }
}

function storeSessions(store: RoomTreeStore): number[] {
  return [...store.members().keys()].sort((a, b) => a - b);
}

describe('membership document on a real relay', () => {
  const toClose: TestClient[] = [];
  let started: StartedRelay | undefined;
  afterEach(async () => {
    for (const c of toClose.splice(0)) await c.close().catch(() => {});
    await started?.cleanup();
    started = undefined;
  });

  it('starts new epochs under churn; a watching store follows and the document stays small', async () => {
    started = await startRelay({ guests: 'allow', limits: { membersCompactAfterDeletes: 8 } });
    const url = started.relay.wsUrl;
    const watcher = await connectClient(url, { name: 'Watcher', key: generateKey() });
    toClose.push(watcher);
    const store = new RoomTreeStore({ cache: memoryTreeCache(), signer: nodeSigner(watcher.key), now: () => Date.now(), verify: verifyEd25519, onChange: () => {} });
    const { epochs } = await storeOn(watcher, store);
    const stayer = await connectClient(url, { name: 'Stayer', key: generateKey() });
    toClose.push(stayer);
    const before = await fullStateBytes(url);
    for (let i = 0; i < 30; i++) {
      const c = await connectClient(url, { name: `Visitor ${i}`, key: generateKey() });
      await c.close();
      await watcher.next('userLeft', (u) => u.sessionId === c.sessionId);
    }
    const want = [watcher.sessionId, stayer.sessionId].sort((a, b) => a - b);
    await expect.poll(() => storeSessions(store)).toEqual(want);
    // 31 sessions left (30 visitors and the first probe): a new epoch every 8 deletions.
    expect(epochs.size).toBeGreaterThanOrEqual(4);
    // Without epochs each departed session stays in the document (~16 bytes each, ~500 here).
    expect(await fullStateBytes(url)).toBeLessThan(before + 8 * 24);
  });

  it('a store reconnecting to a restarted relay shows only the sessions the new relay has', async () => {
    started = await startRelay({ guests: 'allow' });
    const dataDir = started.dataDir;
    const key = generateKey();
    const first = await connectClient(started.relay.wsUrl, { name: 'Returning', key });
    const other = await connectClient(started.relay.wsUrl, { name: 'Gone after restart', key: generateKey() });
    const store = new RoomTreeStore({ cache: memoryTreeCache(), signer: nodeSigner(key), now: () => Date.now(), verify: verifyEd25519, onChange: () => {} });
    await storeOn(first, store);
    await expect.poll(() => storeSessions(store)).toEqual([first.sessionId, other.sessionId].sort((a, b) => a - b));
    store.disconnected();
    await first.close();
    await other.close();
    await started.stop();

    started = await startRelay({ guests: 'allow', dataDir });
    const again = await connectClient(started.relay.wsUrl, { name: 'Returning', key });
    toClose.push(again);
    await storeOn(again, store);
    await expect.poll(() => storeSessions(store)).toEqual([again.sessionId]);
  });
});
