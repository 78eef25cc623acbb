import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';
import { sharedRelay } from '../../helpers/relay-fixture.ts';

const shared = sharedRelay({}, { name: 'Watcher' });

describe('relay presence', () => {
  it('answers joinRoom for an unknown room with UNKNOWN_ROOM and leaves the user where they were', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Lost' });
    c.send({ case: 'joinRoom', value: { roomId: 'attic' } });
    const err = await c.next('error', (e) => e.code === ErrorCode.UNKNOWN_ROOM);
    expect(err.context).toBe('join_room');
    const newcomer = await connectClient(shared.started.relay.wsUrl, { name: 'Newcomer' });
    expect(newcomer.roster.find((u) => u.sessionId === c.sessionId)?.roomId).toBe('lobby');
    await Promise.all([c.close(), newcomer.close()]);
  });

  it('broadcasts a move as userUpdated to everyone, the mover included', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Mover' });
    const changed = waitForEvent(shared.started.relay, 'room-changed', (e) => e.sessionId === c.sessionId);
    c.send({ case: 'joinRoom', value: { roomId: 'quiet' } });
    const [ack, seen] = await Promise.all([
      c.next('userUpdated', (u) => u.user?.sessionId === c.sessionId),
      shared.watcher.next('userUpdated', (u) => u.user?.sessionId === c.sessionId),
    ]);
    expect(ack.user?.roomId).toBe('quiet');
    expect(seen.user).toMatchObject({ sessionId: c.sessionId, displayName: 'Mover', roomId: 'quiet' });
    expect(await changed).toMatchObject({ from: 'lobby', to: 'quiet' });
    // authOk of a later client shows users of every room.
    const later = await connectClient(shared.started.relay.wsUrl, { name: 'Later' });
    expect(later.roster.map((u) => [u.displayName, u.roomId])).toEqual(
      expect.arrayContaining([
        ['Watcher', 'lobby'],
        ['Mover', 'quiet'],
        ['Later', 'lobby'],
      ]),
    );
    await Promise.all([c.close(), later.close()]);
  });

  it('broadcasts userLeft when a socket closes, and when it drops without a close handshake', async () => {
    const polite = await connectClient(shared.started.relay.wsUrl, { name: 'Polite' });
    const rude = await connectClient(shared.started.relay.wsUrl, { name: 'Rude' });
    await polite.close();
    await shared.watcher.next('userLeft', (l) => l.sessionId === polite.sessionId);
    rude.socket.terminate();
    await shared.watcher.next('userLeft', (l) => l.sessionId === rude.sessionId);
    const newcomer = await connectClient(shared.started.relay.wsUrl, { name: 'Newcomer' });
    expect(newcomer.roster.map((u) => u.sessionId)).not.toContain(rude.sessionId);
    await newcomer.close();
  });

  it('broadcasts setSelfState as userUpdated; deafened implies muted', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Quiet' });
    c.send({ case: 'setSelfState', value: { muted: true, deafened: false } });
    const muted = await shared.watcher.next('userUpdated', (u) => u.user?.sessionId === c.sessionId);
    expect(muted.user).toMatchObject({ muted: true, deafened: false });
    await c.next('userUpdated', (u) => u.user?.sessionId === c.sessionId);
    c.send({ case: 'setSelfState', value: { muted: false, deafened: true } });
    const deaf = await shared.watcher.next('userUpdated', (u) => u.user?.sessionId === c.sessionId);
    expect(deaf.user).toMatchObject({ muted: true, deafened: true });
    const later = await connectClient(shared.started.relay.wsUrl, { name: 'Later' });
    expect(later.roster.find((u) => u.sessionId === c.sessionId)).toMatchObject({ muted: true, deafened: true });
    await Promise.all([c.close(), later.close()]);
  });

  it('delivers a burst of sign-ins (broadcasts batched per turn) to everyone in join order, once each, and newcomers see current state', async () => {
    const url = shared.started.relay.wsUrl;
    const changed = await connectClient(url, { name: 'Changed' });
    changed.send({ case: 'setDisplayName', value: { displayName: 'Changed twice' } });
    changed.send({ case: 'setSelfState', value: { muted: true, deafened: false } });
    await shared.watcher.next('userUpdated', (u) => u.user?.sessionId === changed.sessionId && u.user.muted);
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => connectClient(url, { name: `Burst ${i}` })));
    const ids = burst.map((c) => c.sessionId).sort((a, b) => a - b);
    const seen: number[] = [];
    for (const id of ids) seen.push((await shared.watcher.next('userJoined', (j) => j.user?.sessionId === id)).user!.sessionId);
    // A ping's pong is a direct send, so it follows every broadcast queued for that client before it.
    await Promise.all(burst.map((c) => c.ping()));
    for (const c of burst) {
      const joined = c.socket.received.filter((m) => m.case === 'userJoined').map((m) => (m.value as { user?: { sessionId: number } }).user!.sessionId);
      const known = [...c.roster.map((u) => u.sessionId), ...joined];
      expect(new Set(known).size, `session ${c.sessionId} heard of someone twice`).toBe(known.length);
      expect(known).toEqual(expect.arrayContaining(ids));
      expect(joined).toEqual([...joined].sort((a, b) => a - b));
      expect(c.roster.find((u) => u.sessionId === changed.sessionId)).toMatchObject({ displayName: 'Changed twice', muted: true });
    }
    expect(seen).toEqual(ids);
    await Promise.all([changed.close(), ...burst.map((c) => c.close())]);
  });
});
