/**
 * The TURN refresh on an injected clock (relay/files/turn-refresh.ts): a real
 * relay whose clock is a VirtualClock re-sends every signed-in session fresh
 * credentials (Envelope 143) every ttl/2 of virtual time, each valid for a
 * full ttl from then; the browser's FilesLink that gets them gives file
 * connections made from then on the new credentials. A relay without TURN
 * sends none however far its clock moves.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createNobleSigner } from '../../../keys/index.ts';
import { toHex } from '../../../proto/index.ts';
import type { TurnCredentials } from '../../../proto/index.ts';
import { FilesLink } from '../../../client/session/files-link.ts';
import { connectClient, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';
import { VirtualClock } from '../../helpers/virtual-clock.ts';

const SECRET = 'refresh-test-secret-1c9e';
const URLS = ['turn:127.0.0.1:3478?transport=udp'];
const TTL_S = 600;
const HALF_MS = (TTL_S / 2) * 1000;
const START_MS = 1_800_000_000_000;
/** The relay's real-timer idle check reads the virtual clock too: keep it out of the way. */
const LIMITS = { idleTimeoutMs: 1e12 };

let started: StartedRelay | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await started?.cleanup();
  started = undefined;
});

/** Messages before a ping's pong arrived before it (one ordered socket): the barrier for "none was sent". */
async function refreshesSoFar(c: TestClient): Promise<number> {
  await c.ping();
  return c.socket.count('turnCredentials');
}

function expectValid(turn: TurnCredentials, keyHex: string, nowMs: number): void {
  expect(turn.urls).toEqual(URLS);
  expect(turn.expiresAt).toBe(Math.floor(nowMs / 1000) + TTL_S);
  expect(turn.username).toBe(`${turn.expiresAt}:${keyHex}`);
  expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username).digest('base64'));
}

describe('TURN credential refresh', () => {
  it('re-sends fresh credentials every ttl/2 of the relay clock; new file connections get the new ones', async () => {
    const clock = new VirtualClock(START_MS);
    started = await startRelay({ clock, limits: LIMITS, turn: { urls: URLS, secret: SECRET, ttlSeconds: TTL_S } });
    const c = await connectClient(started.relay.wsUrl, { name: 'Ana' });
    clients.push(c);
    const keyHex = toHex(rawPublicKeyOf(c.key));
    expectValid(c.authOk.turn!, keyHex, START_MS);

    // The browser side: the session hands AuthOk.turn and each refresh to its FilesLink (control-messages.ts).
    const files = new FilesLink({ signer: await createNobleSigner(new Uint8Array(randomBytes(32))), postFile: () => {}, onChange: () => {}, now: clock.now });
    files.setTurn(c.authOk.turn);
    expect(files.storage.turnOffered).toBe(true);
    expect(files.rtcConfig?.iceServers?.[0]?.username).toBe(c.authOk.turn!.username);

    // Just before half the lifetime: nothing new.
    clock.advance(HALF_MS - 1);
    expect(await refreshesSoFar(c)).toBe(0);

    clock.advance(1);
    const first = await c.next('turnCredentials');
    expectValid(first, keyHex, START_MS + HALF_MS);
    expect(first.username).not.toBe(c.authOk.turn!.username);
    files.setTurn(first);
    expect(files.rtcConfig).toEqual({ iceServers: [{ urls: URLS, username: first.username, credential: first.credential }] });
    // "Hide my IP address" uses the same, newest credentials, relay candidates only.
    await files.command({ type: 'file-set-hide-address', on: true });
    expect(files.rtcConfig).toEqual({ iceServers: [{ urls: URLS, username: first.username, credential: first.credential }], iceTransportPolicy: 'relay' });

    clock.advance(HALF_MS);
    const second = await c.next('turnCredentials');
    expectValid(second, keyHex, START_MS + 2 * HALF_MS);
    expect(await refreshesSoFar(c)).toBe(2);
    // Every credential the client held was valid for at least ttl/2 more when the next one came.
    expect(first.expiresAt - (START_MS + 2 * HALF_MS) / 1000).toBeGreaterThanOrEqual(TTL_S / 2);
  });

  it('every signed-in session gets its own refresh, for its own key', async () => {
    const clock = new VirtualClock(START_MS);
    started = await startRelay({ clock, limits: LIMITS, turn: { urls: URLS, secret: SECRET, ttlSeconds: TTL_S } });
    const a = await connectClient(started.relay.wsUrl, { name: 'Ana' });
    const b = await connectClient(started.relay.wsUrl, { name: 'Bo' });
    clients.push(a, b);
    clock.advance(HALF_MS);
    expectValid(await a.next('turnCredentials'), toHex(rawPublicKeyOf(a.key)), START_MS + HALF_MS);
    expectValid(await b.next('turnCredentials'), toHex(rawPublicKeyOf(b.key)), START_MS + HALF_MS);
  });

  it('a relay without TURN sends no credentials and sets no refresh timer', async () => {
    const clock = new VirtualClock(START_MS);
    started = await startRelay({ clock, limits: LIMITS });
    const c = await connectClient(started.relay.wsUrl, { name: 'Bo' });
    clients.push(c);
    expect(c.authOk.turn).toBeUndefined();
    expect(clock.pending).toBe(0);
    clock.advance(10 * TTL_S * 1000);
    expect(await refreshesSoFar(c)).toBe(0);
  });
});
