import { describe, expect, it } from 'vitest';
import { encodeEnvelope, ErrorCode, MAX_CONTROL_FRAME_BYTES } from '../../../proto/index.ts';
import { closeCodeFor, CloseCode } from '../../../relay/index.ts';
import { ControlSocket } from '../../helpers/control-socket.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import { startRelay, waitForEvent } from '../../helpers/start-relay.ts';
import { sharedRelay } from '../../helpers/relay-fixture.ts';

const shared = sharedRelay({}, { name: 'Bystander' });

/** The shared.watcher still gets pongs and sees a move made by a fresh client. */
async function expectBystanderServed(): Promise<void> {
  await shared.watcher.ping();
  const mover = await connectClient(shared.started.relay.wsUrl, { name: 'Mover' });
  mover.send({ case: 'joinRoom', value: { roomId: 'quiet' } });
  const moved = await shared.watcher.next('userUpdated', (u) => u.user?.sessionId === mover.sessionId);
  expect(moved.user?.roomId).toBe('quiet');
  await mover.close();
  await shared.watcher.next('userLeft', (l) => l.sessionId === mover.sessionId);
}

async function helloedSocket(): Promise<ControlSocket> {
  const s = await ControlSocket.open(shared.started.relay.wsUrl);
  await s.next('serverHello');
  return s;
}

describe('relay control frames from a misbehaving client', () => {
  it('answers an undecodable frame with MALFORMED, counts malformed and keeps the socket', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Garbage' });
    const before = shared.started.relay.stats().frames.malformed;
    c.socket.sendRaw(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f));
    const err = await c.next('error', (e) => e.code === ErrorCode.MALFORMED);
    expect(err.message).toMatch(/undecodable/);
    expect(shared.started.relay.stats().frames.malformed).toBe(before + 1);
    await c.ping();
    await expectBystanderServed();
    await c.close();
  });

  it('answers an envelope with an unknown message with UNKNOWN_MESSAGE', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Newer' });
    const before = shared.started.relay.stats().frames['unknown-message'];
    // field 999, varint 1: a message from a future protocol
    c.socket.sendRaw(Uint8Array.of(0xb8, 0x3e, 0x01));
    await c.next('error', (e) => e.code === ErrorCode.UNKNOWN_MESSAGE);
    expect(shared.started.relay.stats().frames['unknown-message']).toBe(before + 1);
    await c.ping();
    await expectBystanderServed();
    await c.close();
  });

  it('answers a text frame with MALFORMED and counts text-frame', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Texter' });
    const before = shared.started.relay.stats().frames['text-frame'];
    c.socket.sendRaw('{"hello":"json"}');
    await c.next('error', (e) => e.code === ErrorCode.MALFORMED);
    expect(shared.started.relay.stats().frames['text-frame']).toBe(before + 1);
    await c.ping();
    await expectBystanderServed();
    await c.close();
  });

  it('answers a relay-only message from a client with BAD_REQUEST', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Impostor' });
    const before = shared.started.relay.stats().frames['bad-request'];
    c.send({ case: 'userLeft', value: { sessionId: shared.watcher.sessionId } });
    c.send({ case: 'authOk', value: { sessionId: 1 } });
    await c.next('error', (e) => e.code === ErrorCode.BAD_REQUEST);
    await c.next('error', (e) => e.code === ErrorCode.BAD_REQUEST);
    expect(shared.started.relay.stats().frames['bad-request']).toBe(before + 2);
    // The forged userLeft changed nothing: the shared.watcher is still listed for newcomers.
    const newcomer = await connectClient(shared.started.relay.wsUrl, { name: 'Newcomer' });
    expect(newcomer.roster.some((u) => u.sessionId === shared.watcher.sessionId)).toBe(true);
    await Promise.all([c.close(), newcomer.close()]);
  });

  it('closes a connection that sends a message before authenticating, with NOT_AUTHENTICATED', async () => {
    const before = shared.started.relay.stats().frames['before-auth'];
    const s = await helloedSocket();
    s.send({ case: 'joinRoom', value: { roomId: 'lobby' } });
    const err = await s.next('error', (e) => e.code === ErrorCode.NOT_AUTHENTICATED);
    expect(err.message).toMatch(/join_room/);
    expect((await s.closed).code).toBe(closeCodeFor(ErrorCode.NOT_AUTHENTICATED));
    expect(shared.started.relay.stats().frames['before-auth']).toBe(before + 1);
    await expectBystanderServed();
  });

  it('closes a connection that sends rtcSignal before authenticating, with NOT_AUTHENTICATED', async () => {
    const before = shared.started.relay.stats().frames['before-auth'];
    const s = await helloedSocket();
    s.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type: 'offer', sdp: 'v=0\r\n' } } } });
    await s.next('error', (e) => e.code === ErrorCode.NOT_AUTHENTICATED);
    expect((await s.closed).code).toBe(closeCodeFor(ErrorCode.NOT_AUTHENTICATED));
    expect(shared.started.relay.stats().frames['before-auth']).toBe(before + 1);
    await expectBystanderServed();
  });

  it('closes a connection that sends an oversize frame with 1009 and counts too-large', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Big' });
    const before = shared.started.relay.stats().frames['too-large'];
    c.socket.sendRaw(new Uint8Array(MAX_CONTROL_FRAME_BYTES + 1));
    expect((await c.socket.closed).code).toBe(1009);
    expect(shared.started.relay.stats().frames['too-large']).toBe(before + 1);
    await shared.watcher.next('userLeft', (l) => l.sessionId === c.sessionId);
    await expectBystanderServed();
  });

  it('closes a connection that breaks the WebSocket protocol (invalid UTF-8 text) with 1007, counted ws-protocol', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Broken' });
    const before = shared.started.relay.stats().frames['ws-protocol'];
    c.socket.sendRaw(Uint8Array.of(0xc3, 0x28), { binary: false });
    expect((await c.socket.closed).code).toBe(1007);
    expect(shared.started.relay.stats().frames['ws-protocol']).toBe(before + 1);
    await expectBystanderServed();
  });

  it('accepts a frame of exactly the size limit (it is a valid ping)', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Exact' });
    const ping = encodeEnvelope({ case: 'ping', value: { nonce: 5n } });
    // Pad with an unknown field (number 15, length-delimited) up to the limit: still a ping.
    const padLen = MAX_CONTROL_FRAME_BYTES - ping.byteLength - 4;
    const frame = new Uint8Array(MAX_CONTROL_FRAME_BYTES);
    frame.set(ping, 0);
    frame.set([0x7a, 0x80 | (padLen & 0x7f), (padLen >> 7) & 0x7f | 0x80, padLen >> 14], ping.byteLength);
    c.socket.sendRaw(frame);
    expect((await c.next('pong', (p) => p.nonce === 5n)).nonce).toBe(5n);
    await c.close();
  });

  it('closes a connection after too many bad frames', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Noisy' });
    for (let i = 0; i < 25; i++) c.socket.sendRaw(Uint8Array.of(0xff, 0xff));
    expect((await c.socket.closed).code).toBe(closeCodeFor(ErrorCode.MALFORMED));
    await expectBystanderServed();
  });

  it('drops a join into an unknown room without closing (counted unknown-room)', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'Lost' });
    c.send({ case: 'joinRoom', value: { roomId: 'nowhere' } });
    const err = await c.next('error', (e) => e.code === ErrorCode.UNKNOWN_ROOM);
    expect(err.context).toBe('join_room');
    expect(shared.started.relay.stats().frames['unknown-room']).toBeGreaterThanOrEqual(1);
    await c.ping();
    await c.close();
  });

  it('answers bad rtc signals with BAD_REQUEST and keeps the socket', async () => {
    const c = await connectClient(shared.started.relay.wsUrl, { name: 'BadRtc' });
    const before = shared.started.relay.stats().frames['bad-request'];
    c.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type: 'answer', sdp: 'v=0' } } } });
    c.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type: 'offer', sdp: 'not sdp at all' } } } });
    c.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type: 'offer', sdp: 'v=0\r\nno ice here\r\n' } } } });
    c.send({ case: 'rtcSignal', value: {} });
    // Up to 32 candidates before the offer are kept for it; the 33rd is refused.
    for (let i = 0; i < 33; i++) {
      c.send({ case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate: `candidate:${i} 1 UDP 1 192.0.2.1 ${i + 1000} typ host`, mid: '0' } } } });
    }
    for (let i = 0; i < 5; i++) await c.next('error', (e) => e.code === ErrorCode.BAD_REQUEST && e.context === 'rtc_signal');
    expect(shared.started.relay.stats().frames['bad-request']).toBe(before + 5);
    await c.ping();
    await c.close();
  });
});

describe('relay control-frame rate limit', () => {
  it('drops frames over the bucket with one RATE_LIMITED error, then closes when sustained', async () => {
    const limited = await startRelay({ limits: { controlBurst: 5, controlPerSecond: 0.001, maxRateLimitedFrames: 10 } });
    try {
      const other = await connectClient(limited.relay.wsUrl, { name: 'Other' });
      // The handshake used one token (clientAuth); four pings pass, the rest are dropped.
      const c = await connectClient(limited.relay.wsUrl, { name: 'Flood' });
      for (let i = 1; i <= 8; i++) c.send({ case: 'ping', value: { nonce: BigInt(i) } });
      const err = await c.next('error', (e) => e.code === ErrorCode.RATE_LIMITED);
      expect(err.message).toMatch(/too many/);
      await c.next('pong', (p) => p.nonce === 4n);
      expect(limited.relay.stats().frames['rate-limited']).toBe(4);
      for (let i = 0; i < 10; i++) c.send({ case: 'ping', value: { nonce: 100n } });
      expect((await c.socket.closed).code).toBe(closeCodeFor(ErrorCode.RATE_LIMITED));
      expect(c.socket.count('pong')).toBe(4);
      expect(c.socket.count('error')).toBe(2);
      // The other connection has its own bucket.
      await other.ping();
      await other.close();
    } finally {
      await limited.cleanup();
    }
  });
});

describe('relay liveness', () => {
  it('pings authenticated sessions and closes one that stays silent', async () => {
    const fast = await startRelay({ limits: { pingIntervalMs: 40, idleTimeoutMs: 200 } });
    try {
      const alive = await connectClient(fast.relay.wsUrl, { name: 'Alive' });
      const silent = await connectClient(fast.relay.wsUrl, { name: 'Silent', answerPings: false });
      await silent.next('ping');
      const closed = waitForEvent(fast.relay, 'connection-closed', (e) => e.sessionId === silent.sessionId);
      expect((await silent.socket.closed).code).toBe(CloseCode.Idle);
      expect((await closed).code).toBe(CloseCode.Idle);
      await alive.next('userLeft', (l) => l.sessionId === silent.sessionId);
      // Alive answered every ping and outlived the silent one.
      expect(alive.socket.count('ping')).toBeGreaterThan(0);
      await alive.ping();
      await alive.close();
    } finally {
      await fast.cleanup();
    }
  });
});
