import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { toHex } from '../../../proto/index.ts';
import { connectClient, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { httpGet } from '../../helpers/http-get.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const SECRET = 'coturn-static-auth-secret-7f3a9c';
const URLS = ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'];
const NOW_MS = 1_800_000_000_000;

let started: StartedRelay | undefined;
afterEach(async () => {
  await started?.cleanup();
  started = undefined;
});

describe('TURN credentials from the relay', () => {
  it('a signed-in client gets short-lived coturn credentials in AuthOk; the secret is in no frame and no log line', async () => {
    started = await startRelay({ turn: { urls: URLS, secret: SECRET, ttlSeconds: 600 }, clock: { now: () => NOW_MS } });
    const c = await connectClient(started.relay.wsUrl, { name: 'Ana', captureFrames: true });
    const turn = c.authOk.turn;
    const keyHex = toHex(rawPublicKeyOf(c.key));
    expect(turn?.urls).toEqual(URLS);
    expect(turn?.expiresAt).toBe(NOW_MS / 1000 + 600);
    expect(turn?.username).toBe(`${NOW_MS / 1000 + 600}:${keyHex}`);
    expect(turn?.credential).toBe(createHmac('sha1', SECRET).update(turn!.username).digest('base64'));
    await c.ping();
    const secretBytes = Buffer.from(SECRET);
    expect(c.socket.frames.length).toBeGreaterThan(0);
    for (const frame of c.socket.frames) expect(Buffer.from(frame).includes(secretBytes)).toBe(false);
    await c.close();
    const metrics = await httpGet(started.relay.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).not.toContain(SECRET);
    expect(started.logs.length).toBeGreaterThan(0);
    expect(started.logs.join('\n')).not.toContain(SECRET);
  });

  it('without the settings AuthOk carries no TURN credentials', async () => {
    started = await startRelay();
    const c = await connectClient(started.relay.wsUrl, { name: 'Bo' });
    expect(c.authOk.turn).toBeUndefined();
    await c.close();
  });
});
