import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import { makeDataDir, startRelay } from '../../helpers/start-relay.ts';
import { treeRooms } from '../../helpers/ops.ts';

describe('relay persistence', () => {
  it('keeps its public key, its rooms and a user last room across a restart on the same dataDir', async () => {
    const dataDir = await makeDataDir();
    try {
      const first = await startRelay({ dataDir });
      const key = generateKey();
      const c = await connectClient(first.relay.wsUrl, { name: 'Ana', key });
      expect(c.authOk.roomId).toBe('lobby');
      await c.join('quiet');
      const roomsBefore = (await treeRooms(c)).map((r) => [r.id, r.voiceId]);
      const keyBefore = first.relay.publicKey;
      await c.close();
      await first.stop();

      const second = await startRelay({ dataDir });
      expect(second.relay.publicKey).toEqual(keyBefore);
      const again = await connectClient(second.relay.wsUrl, { name: 'Ana again', key });
      expect(again.hello.relayPublicKey).toEqual(keyBefore);
      expect(again.authOk.roomId).toBe('quiet');
      expect(again.roster.find((u) => u.sessionId === again.sessionId)).toMatchObject({ roomId: 'quiet', displayName: 'Ana again' });
      expect((await treeRooms(again)).map((r) => [r.id, r.voiceId])).toEqual(roomsBefore);
      // A key the relay has never seen still lands in the Lobby.
      const stranger = await connectClient(second.relay.wsUrl, { name: 'Stranger' });
      expect(stranger.authOk.roomId).toBe('lobby');
      await Promise.all([again.close(), stranger.close()]);
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('a fresh dataDir gets a different relay key', async () => {
    const one = await startRelay();
    const two = await startRelay();
    try {
      expect(one.relay.publicKey).not.toEqual(two.relay.publicKey);
    } finally {
      await Promise.all([one.cleanup(), two.cleanup()]);
    }
  });

  it('refuses to start a second relay on a dataDir in use, with RelayError(storage)', async () => {
    const one = await startRelay();
    try {
      await expect(startRelay({ dataDir: one.dataDir })).rejects.toMatchObject({ name: 'RelayError', code: 'storage' });
      // The first relay is unaffected.
      const c = await connectClient(one.relay.wsUrl, { name: 'Still' });
      await c.ping();
      await c.close();
    } finally {
      await one.cleanup();
    }
  });
});
