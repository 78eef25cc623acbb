/**
 * Property tests: random control frames through real sockets, and random
 * datagrams through the router. The relay must count, answer or close, but
 * never throw (no `internal-error` event), and must keep serving a bystander.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeUplink, encodeEnvelope, Role } from '../../../proto/index.ts';
import type { EnvelopeInit } from '../../../proto/index.ts';
import { DropStats, Presence, SEED_ROOMS, TypedEmitter, VoiceRouter } from '../../../relay/index.ts';
import type { DatagramSink, RelayEventPayloads, RelayEvents } from '../../../relay/index.ts';
import { ControlSocket } from '../../helpers/control-socket.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { expectWatcherServed, sharedRelay } from '../../helpers/relay-fixture.ts';

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const text = fc.string({ maxLength: 80 });
const sdpish = fc.oneof(text, text.map((s) => `v=0\r\n${s}`), fc.constant('v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n'));

/** Envelopes of every kind with random contents, including relay-only ones a client must not send. */
const envelope: fc.Arbitrary<EnvelopeInit> = fc.oneof(
  fc.record({ roomId: fc.oneof(text, fc.constantFrom('lobby', 'quiet', '')) }).map((value) => ({ case: 'joinRoom' as const, value })),
  fc.record({ muted: fc.boolean(), deafened: fc.boolean() }).map((value) => ({ case: 'setSelfState' as const, value })),
  fc.record({ type: fc.oneof(fc.constantFrom('offer', 'answer', ''), text), sdp: sdpish }).map((value) => ({
    case: 'rtcSignal' as const,
    value: { signal: { case: 'description' as const, value } },
  })),
  fc.record({ candidate: fc.oneof(text, text.map((s) => `candidate:${s}`)), mid: text }).map((value) => ({
    case: 'rtcSignal' as const,
    value: { signal: { case: 'candidate' as const, value } },
  })),
  fc.constant({ case: 'rtcSignal' as const, value: {} }),
  fc.bigUint64Array({ minLength: 1, maxLength: 1 }).map(([nonce]) => ({ case: 'ping' as const, value: { nonce: nonce! } })),
  fc.bigUint64Array({ minLength: 1, maxLength: 1 }).map(([nonce]) => ({ case: 'pong' as const, value: { nonce: nonce! } })),
  fc
    .record({ protocolVersion: fc.nat(3), publicKey: bytes(40), displayName: text, password: text, signature: bytes(70) })
    .map((value) => ({ case: 'clientAuth' as const, value })),
  fc.record({ sessionId: fc.nat() }).map((value) => ({ case: 'userLeft' as const, value })),
  fc.record({ sessionId: fc.nat(), roomId: text }).map((value) => ({ case: 'authOk' as const, value })),
  fc.record({ code: fc.nat(20), message: text }).map((value) => ({ case: 'error' as const, value })),
  fc.record({ user: fc.record({ sessionId: fc.nat(), displayName: text }) }).map((value) => ({ case: 'userUpdated' as const, value })),
  fc.record({ sessionId: fc.nat() }).map((value) => ({ case: 'voiceReady' as const, value })),
  fc.record({ displayName: text }).map((value) => ({ case: 'setDisplayName' as const, value })),
  fc
    .record({ protocolVersion: fc.nat(3), publicKey: bytes(40), displayName: text, signature: bytes(70), invite: bytes(170) })
    .map((value) => ({ case: 'clientAuth' as const, value })),
  fc
    .record({
      requestId: fc.nat(),
      action: fc.oneof(
        bytes(170).map((invite) => ({ case: 'registerInvite' as const, value: { invite } })),
        bytes(20).map((inviteId) => ({ case: 'revokeInvite' as const, value: { inviteId } })),
        // Session ids far above the ones this file uses: a random kick must not hit the bystander.
        fc.record({ sessionId: fc.integer({ min: 100_000 }), reason: text }).map((value) => ({ case: 'kick' as const, value })),
        fc.record({ publicKey: bytes(40), durationMs: fc.bigUint64Array({ minLength: 1, maxLength: 1 }).map(([d]) => d!), reason: text }).map((value) => ({ case: 'ban' as const, value })),
        fc.record({ publicKey: bytes(40) }).map((value) => ({ case: 'liftBan' as const, value })),
        fc.record({ publicKey: bytes(40), role: fc.nat(5) }).map((value) => ({ case: 'setRole' as const, value })),
        fc.constant({ case: undefined }),
      ),
    })
    .map((value) => ({ case: 'adminRequest' as const, value })),
  fc.record({ requestId: fc.nat(), code: fc.nat(40) }).map((value) => ({ case: 'adminResult' as const, value })),
  fc.constant({ case: 'adminState' as const, value: {} }),
);

/** A frame as sent on the wire: raw garbage, a valid envelope, a mutated one, or text. */
const frame: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  bytes(200),
  envelope.map(encodeEnvelope),
  fc.tuple(envelope.map(encodeEnvelope), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([b, at, x]) => {
    const copy = b.slice();
    if (copy.length > 0) copy[at % copy.length]! ^= x;
    return copy;
  }),
  text,
);

const internalErrors: RelayEventPayloads['internal-error'][] = [];

// Generous control limits so random frames reach the handlers instead of the limiter.
// Guests allowed even after the fuzzer claims admin, and no lock-out: random clientAuths from
// 127.0.0.1 would otherwise lock out the probe (lock-outs have their own tests).
const shared = sharedRelay(
  { limits: { controlBurst: 100_000, controlPerSecond: 100_000, maxBadFrames: 50 }, guests: 'allow', lockout: { maxFailures: 0 } },
  { name: 'Bystander' },
  (started) => started.relay.on('internal-error', (e) => internalErrors.push(e)),
);

async function expectServing(): Promise<void> {
  await expectWatcherServed(shared.watcher, shared.started.relay.wsUrl, { name: 'Probe' });
}

/** After a batch: the socket either still answers a ping or was closed by the relay. */
async function settle(socket: ControlSocket, ping: () => Promise<void>): Promise<void> {
  const alive = await ping().then(
    () => true,
    () => false,
  );
  if (!alive) expect((await socket.closed).code).toBeGreaterThanOrEqual(1000);
}

describe('relay under random control frames', () => {
  it('survives random frames from authenticated clients and keeps serving', async () => {
    let fuzzer: TestClient | undefined;
    let n = 0;
    // The fuzzer is an admin (bootstrap invite once, then its stored role), so admin requests reach their handlers.
    const fuzzerKey = generateKey();
    const firstFuzzer = await connectClient(shared.started.relay.wsUrl, { name: 'Fuzzer', key: fuzzerKey, invite: shared.started.relay.bootstrapInvite! });
    expect(firstFuzzer.authOk.role).toBe(Role.ADMIN);
    await firstFuzzer.close();
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 5 }), async (frames) => {
        if (!fuzzer || !fuzzer.socket.isOpen) fuzzer = await connectClient(shared.started.relay.wsUrl, { name: `Fuzzer ${n++}`, key: fuzzerKey });
        for (const f of frames) fuzzer.socket.sendRaw(f);
        const f = fuzzer;
        await settle(f.socket, () => f.ping());
        expect(internalErrors).toEqual([]);
      }),
      { numRuns: 300 },
    );
    await fuzzer?.close();
    await expectServing();
    const frames = shared.started.relay.stats().frames;
    expect(frames.malformed + frames['bad-request'] + frames['unknown-room']).toBeGreaterThan(0);
  });

  it('survives random frames before authentication and keeps serving', async () => {
    let nonce = 0n;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 3 }), async (frames) => {
        const s = await ControlSocket.open(shared.started.relay.wsUrl);
        await s.next('serverHello');
        for (const f of frames) s.sendRaw(f);
        const mine = ++nonce + 1_000_000n;
        await settle(s, async () => {
          s.send({ case: 'ping', value: { nonce: mine } });
          await s.next('pong', (p) => p.nonce === mine);
        });
        s.terminate();
        expect(internalErrors).toEqual([]);
      }),
      { numRuns: 200 },
    );
    await expectServing();
    expect(shared.started.relay.stats().frames['before-auth']).toBeGreaterThan(0);
  });
});

describe('VoiceRouter under random datagrams', () => {
  it('never throws and forwards exactly the datagrams decodeUplink accepts as voice', () => {
    const events = new TypedEmitter<RelayEvents>();
    const stats = new DropStats(events);
    const presence = new Presence(SEED_ROOMS);
    const router = new VoiceRouter({
      directory: presence,
      stats,
      clock: { now: () => 0 },
      // Random stamps would trip the age gate (staleness.test.ts covers it); this is about parsing.
      limits: { datagramBurst: 1e9, datagramPerSecond: 0, sendBufferCap: 1 << 16, maxDatagramAgeMs: 0 },
    });
    const sent: Uint8Array[] = [];
    const sink: DatagramSink = { sendMessageBinary: (b) => (sent.push(b), true), bufferedAmount: () => 0, isOpen: () => true };
    for (const id of [1, 2]) {
      presence.add({ sessionId: id, publicKey: new Uint8Array(32), displayName: `u${id}`, roomId: 'lobby', muted: false, deafened: false, role: Role.MEMBER });
      router.attach(id, sink);
    }
    fc.assert(
      fc.property(fc.oneof(bytes(1400), fc.uint8Array({ minLength: 11, maxLength: 40 }).map((b) => ((b[0] = 1), b))), (d) => {
        const before = sent.length;
        router.route(1, d);
        const up = decodeUplink(d);
        expect(sent.length - before).toBe(up.ok && up.value.kind === 'voice' ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
