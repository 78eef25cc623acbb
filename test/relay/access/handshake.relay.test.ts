import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ErrorCode, KEY_BYTES, NONCE_BYTES, PROTOCOL_VERSION, Role } from '../../../proto/index.ts';
import { closeCodeFor } from '../../../relay/index.ts';
import { ControlSocket } from '../../helpers/control-socket.ts';
import { connectClient, generateKey, RelayRefusedError, signAuth } from '../../helpers/relay-client.ts';
import type { ConnectOptions } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import { treeRooms } from '../../helpers/ops.ts';
import { connectRefused, expectWatcherServed, sharedRelay } from '../../helpers/relay-fixture.ts';

const PASSWORD = 'correct horse battery staple';

// This file refuses many sign-ins from 127.0.0.1 on purpose; lock-outs have their own tests (access-lockout.test.ts).
const shared = sharedRelay({ password: PASSWORD, serverName: 'Test relay', lockout: { maxFailures: 0 } }, { name: 'Observer', password: PASSWORD });

/** Connects expecting a refusal; returns the error. */
const refused = (options: ConnectOptions): Promise<RelayRefusedError> => connectRefused(shared.started.relay.wsUrl, options);

/** Proves the relay still serves the observer: a ping round trip and live presence. */
async function expectStillServing(): Promise<void> {
  const joined = await expectWatcherServed(shared.watcher, shared.started.relay.wsUrl, { name: 'Probe', password: PASSWORD });
  expect(joined?.displayName).toBe('Probe');
}

describe('relay handshake', () => {
  it('serverHello carries the relay key, a fresh 32-byte nonce per connection and passwordRequired', async () => {
    const a = await ControlSocket.open(shared.started.relay.wsUrl);
    const b = await ControlSocket.open(shared.started.relay.wsUrl);
    const [ha, hb] = await Promise.all([a.next('serverHello'), b.next('serverHello')]);
    expect(ha.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(ha.relayPublicKey).toEqual(shared.started.relay.publicKey);
    expect(ha.relayPublicKey.byteLength).toBe(KEY_BYTES);
    expect(ha.nonce.byteLength).toBe(NONCE_BYTES);
    expect(hb.nonce).not.toEqual(ha.nonce);
    expect(ha.passwordRequired).toBe(true);
    expect(ha.serverName).toBe('Test relay');
    await Promise.all([a.close(), b.close()]);
  });

  it('clientAuth with a valid signature gets authOk in Lobby with the root and both seeded rooms, as a guest on a relay without admins', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: '  Ana  ', password: PASSWORD });
    expect(c.authOk.sessionId).toBeGreaterThan(0);
    expect(c.authOk.roomId).toBe('lobby');
    expect(c.authOk.role).toBe(Role.GUEST);
    const rooms = await treeRooms(c);
    expect(rooms.map((r) => [r.id, r.name, r.parent])).toEqual([
      ['root', 'Test relay', ''],
      ['lobby', 'Lobby', 'root'],
      ['quiet', 'Quiet room', 'root'],
    ]);
    for (const room of rooms) expect(room.voiceId).toBeGreaterThanOrEqual(1);
    expect(new Set(rooms.map((r) => r.voiceId)).size).toBe(3);
    const me = c.roster.find((u) => u.sessionId === c.sessionId);
    expect(me?.displayName).toBe('Ana');
    expect(c.roster.some((u) => u.sessionId === shared.watcher.sessionId)).toBe(true);
    await c.close();
  });

  it('announces a new client to the others with userJoined and lists everyone in authOk', async () => {
    const first = await connectClient(shared.started.relay.wsUrl, { name: 'First', password: PASSWORD });
    const second = await connectClient(shared.started.relay.wsUrl, { name: 'Second', password: PASSWORD });
    const joined = await first.next('userJoined', (j) => j.user?.sessionId === second.sessionId);
    expect(joined.user?.displayName).toBe('Second');
    expect(joined.user?.roomId).toBe('lobby');
    expect(second.roster.map((u) => u.sessionId)).toEqual(expect.arrayContaining([shared.watcher.sessionId, first.sessionId]));
    expect(second.sessionId).not.toBe(first.sessionId);
    await Promise.all([first.close(), second.close()]);
  });

  it('lets one key connect twice as two sessions', async () => {
    const key = generateKey();
    const one = await connectClient(shared.started.relay.wsUrl, { name: 'Twin', password: PASSWORD, key });
    const two = await connectClient(shared.started.relay.wsUrl, { name: 'Twin', password: PASSWORD, key });
    expect(two.sessionId).not.toBe(one.sessionId);
    await Promise.all([one.close(), two.close()]);
  });

  it('refuses a wrong password with WRONG_PASSWORD and closes with 4000+code', async () => {
    const before = shared.started.relay.stats().frames['auth-refused'];
    const err = await refused({ name: 'Mallory', password: 'guess' });
    expect(err.code).toBe(ErrorCode.WRONG_PASSWORD);
    expect(err.context).toBe('client_auth');
    expect(err.close?.code).toBe(closeCodeFor(ErrorCode.WRONG_PASSWORD));
    expect(shared.started.relay.stats().frames['auth-refused']).toBe(before + 1);
    await expectStillServing();
  });

  it('refuses a missing password with WRONG_PASSWORD', async () => {
    const err = await refused({ name: 'Mallory' });
    expect(err.code).toBe(ErrorCode.WRONG_PASSWORD);
    await expectStillServing();
  });

  /** Each way a clientAuth can be forged or mangled: `tamper` gets the key the client signs with. */
  const BAD_AUTH: ReadonlyArray<{ what: string; code: ErrorCode; tamper: (key: KeyObject) => NonNullable<ConnectOptions['tamper']> }> = [
    { what: 'a signature made by another key', code: ErrorCode.BAD_SIGNATURE, tamper: () => (auth, hello) => ({ ...auth, signature: signAuth(generateKey(), hello.relayPublicKey, hello.nonce) }) },
    { what: 'a signature over a different nonce', code: ErrorCode.BAD_SIGNATURE, tamper: (key) => (auth, hello) => ({ ...auth, signature: signAuth(key, hello.relayPublicKey, randomBytes(NONCE_BYTES)) }) },
    { what: 'a signature bound to another relay key', code: ErrorCode.BAD_SIGNATURE, tamper: (key) => (auth, hello) => ({ ...auth, signature: signAuth(key, randomBytes(KEY_BYTES), hello.nonce) }) },
    { what: 'a truncated signature', code: ErrorCode.BAD_SIGNATURE, tamper: () => (auth) => ({ ...auth, signature: new Uint8Array(10) }) },
    { what: 'a short public key', code: ErrorCode.BAD_REQUEST, tamper: () => (auth) => ({ ...auth, publicKey: new Uint8Array(31) }) },
  ];

  it.each(BAD_AUTH)('refuses $what with its code, and still serves everyone else', async ({ code, tamper }) => {
    const key = generateKey();
    const err = await refused({ name: 'Mallory', password: PASSWORD, key, tamper: tamper(key) });
    expect(err.code).toBe(code);
    await expectStillServing();
  });

  it('refuses another protocol version with PROTOCOL_VERSION', async () => {
    const key = generateKey();
    const err = await refused({
      name: 'Future',
      password: PASSWORD,
      key,
      tamper: (auth, hello) => ({
        ...auth,
        protocolVersion: PROTOCOL_VERSION + 1,
        signature: signAuth(key, hello.relayPublicKey, hello.nonce, PROTOCOL_VERSION + 1),
      }),
    });
    expect(err.code).toBe(ErrorCode.PROTOCOL_VERSION);
    await expectStillServing();
  });

  it.each([
    ['empty', ''],
    ['only spaces', '    '],
    ['33 characters', 'x'.repeat(33)],
    ['a control character', 'Ana\u0007'],
    ['a newline', 'Ana\nBob'],
    ['a bidi override', 'Ana\u202Egnp.exe'],
  ])('refuses a display name that is %s with BAD_REQUEST', async (_label, name) => {
    const err = await refused({ name, password: PASSWORD });
    expect(err.code).toBe(ErrorCode.BAD_REQUEST);
    await shared.watcher.ping();
  });

  it('accepts a 32-character name with an emoji ZWJ sequence', async () => {
    const name = 'A'.repeat(27) + '👩‍💻';
    const c = await connectClient(shared.started.relay.wsUrl, { name, password: PASSWORD });
    expect(c.roster.find((u) => u.sessionId === c.sessionId)?.displayName).toBe(name);
    await c.close();
  });

  it('answers a second clientAuth on one connection with ALREADY_AUTHENTICATED and keeps the socket', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Twice', password: PASSWORD });
    c.send({
      case: 'clientAuth',
      value: { protocolVersion: PROTOCOL_VERSION, publicKey: new Uint8Array(32), displayName: 'Again', signature: new Uint8Array(64) },
    });
    const err = await c.next('error', (e) => e.code === ErrorCode.ALREADY_AUTHENTICATED);
    expect(err.context).toBe('client_auth');
    await c.ping();
    expect(shared.started.relay.stats().frames['already-authenticated']).toBeGreaterThanOrEqual(1);
    await c.close();
  });

  it('answers ping with pong before authentication', async () => {
    const s = await ControlSocket.open(shared.started.relay.wsUrl);
    await s.next('serverHello');
    s.send({ case: 'ping', value: { nonce: 77n } });
    expect((await s.next('pong')).nonce).toBe(77n);
    await s.close();
  });

  it('never writes the password to the log', () => {
    expect(shared.started.logs.length).toBeGreaterThan(0);
    expect(shared.started.logs.some((l) => l.includes('auth refused'))).toBe(true);
    expect(shared.started.logs.filter((l) => l.includes(PASSWORD) || l.includes('guess'))).toEqual([]);
  });
});

describe('relay handshake deadline', () => {
  it('closes a connection that does not authenticate in time with AUTH_TIMEOUT', async () => {
    const short = await startRelay({ limits: { authTimeoutMs: 150 } });
    try {
      const watcher = await connectClient(short.relay.wsUrl, { name: 'Watcher' });
      const s = await ControlSocket.open(short.relay.wsUrl);
      const hello = await s.next('serverHello');
      expect(hello.passwordRequired).toBe(false);
      const err = await s.next('error', (e) => e.code === ErrorCode.AUTH_TIMEOUT);
      expect(err.context).toBe('client_auth');
      expect((await s.closed).code).toBe(closeCodeFor(ErrorCode.AUTH_TIMEOUT));
      // The authenticated client outlived the deadline and is still served.
      await watcher.ping();
      const late = await connectClient(short.relay.wsUrl, { name: 'Late' });
      await watcher.next('userJoined', (j) => j.user?.sessionId === late.sessionId);
      await Promise.all([late.close(), watcher.close()]);
    } finally {
      await short.cleanup();
    }
  });
});
