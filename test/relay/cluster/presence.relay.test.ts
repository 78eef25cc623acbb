/**
 * Presence across the relays of a cluster (real relays, real nats-server):
 * a user signed in on relay 2 appears in the roster of a client on relay 1,
 * their mute and room moves follow, and their leaving removes them; a relay
 * that signs in later gets the other relays' users in its first roster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe.runIf(hasNatsServer)('presence across relays', () => {
  let cluster: RelayCluster;
  beforeAll(async () => {
    cluster = await startRelayCluster(2);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('a user on relay 2 is seen, muted and gone by a client on relay 1', async () => {
    const [r1, r2] = cluster.relays;
    const watcher = await connectClient(r1!.relay.wsUrl, { name: 'Watcher', key: generateKey() });
    const key = generateKey();
    const me = hex(rawPublicKeyOf(key));
    const joined = watcher.next('userJoined', (u) => hex(u.user!.publicKey) === me, 10_000);
    const remote = await connectClient(r2!.relay.wsUrl, { name: 'On relay two', key });
    const seen = (await joined).user!;
    expect(seen.displayName).toBe('On relay two');
    expect(seen.sessionId).not.toBe(watcher.sessionId);

    const muted = watcher.next('userUpdated', (u) => hex(u.user!.publicKey) === me && u.user!.muted, 10_000);
    remote.send({ case: 'setSelfState', value: { muted: true, deafened: false } });
    expect((await muted).user!.sessionId).toBe(seen.sessionId);

    // A client signing in on relay 1 now gets the remote user in its first roster.
    const late = await connectClient(r1!.relay.wsUrl, { name: 'Late', key: generateKey() });
    expect(late.roster.some((u) => hex(u.publicKey) === me && u.muted)).toBe(true);

    const left = watcher.next('userLeft', (u) => u.sessionId === seen.sessionId, 10_000);
    await remote.close();
    await left;
    await late.close();
    await watcher.close();
  });
});
