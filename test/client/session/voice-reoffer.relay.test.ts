/**
 * A re-offer that races the relay's answer to the offer it replaces (a
 * loaded box answers later than the client's 5 s setup timer): the client
 * Session with the real VoiceTransport (node-datachannel's RTCPeerConnection)
 * against a real relay, its control socket through a proxy that can stall
 * what the relay sends (the network edge), and the setup timer on a clock the
 * test fires (the clock edge). The answer and candidates of the first offer
 * reach the client only after its second offer went out; voice must still
 * open, and every PeerConnection must have been given only its own answer
 * (node-datachannel's RTCPeerConnection is watched at its
 * `setRemoteDescription`). Before offers were numbered (`offer_id`) the
 * first answer landed on the second PeerConnection, which then refused its
 * own answer and stayed "starting".
 */
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection as NodePeerConnection } from 'node-datachannel/polyfill';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { createNobleSigner, fingerprint } from '../../../keys/index.ts';
import { encodeVoice } from '../../../proto/index.ts';
import type { EnvelopeInit } from '../../../proto/index.ts';
import { Session } from '../../../client/session/session.ts';
import { VOICE_SETUP_MS } from '../../../client/session/voice/voice-link.ts';
import { VoiceTransport } from '../../../client/session/voice/voice-transport.ts';
import { startFaultProxy } from '../../helpers/fault-proxy.ts';
import type { FaultProxy } from '../../helpers/fault-proxy.ts';
import { ScriptedEngine } from '../../helpers/scripted-engine.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let relay: StartedRelay;
let proxy: FaultProxy;
const sessions: Session[] = [];

beforeAll(async () => {
  relay = await startRelay();
  proxy = await startFaultProxy(Number(new URL(relay.relay.wsUrl).port));
}, 30_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await proxy?.close();
  await relay?.cleanup();
});

/** What one session's voice transports did: the offers sent (each as the number of the transport that made it), the answers each was given. */
interface VoiceLog {
  readonly offers: number[];
  /** Per transport number, the answer SDPs applied to its PeerConnection. */
  readonly answers: Map<number, string[]>;
}

/**
 * `setupTimers`: where the first voice setup timer goes for the test to fire
 * (later ones run on the real clock, so a setup that stalls for another
 * reason still recovers); null: all on the real clock.
 */
async function makeSession(name: string, via: string, log: VoiceLog, setupTimers: Array<() => void> | null, onTransport: (n: number) => void) {
  const signer = await createNobleSigner(new Uint8Array(randomBytes(32)));
  const engine = new ScriptedEngine();
  let transports = 0;
  const session = new Session({
    url: via,
    signer,
    fingerprint: await fingerprint(signer.publicKey),
    createAudio: () => engine,
    webSocket: (url) => new NodeWebSocket(url) as unknown as WebSocket,
    createVoiceTransport: (send) => {
      const n = ++transports;
      onTransport(n);
      const watched = (msg: EnvelopeInit): boolean => {
        if (msg?.case === 'rtcSignal' && msg.value?.signal?.case === 'description') log.offers.push(n);
        return send(msg);
      };
      const answers: string[] = [];
      log.answers.set(n, answers);
      return new VoiceTransport(watched, { iceServers: [] }, (config) => {
        const pc = new NodePeerConnection(config);
        const apply = pc.setRemoteDescription.bind(pc);
        pc.setRemoteDescription = (d: RTCSessionDescriptionInit) => {
          answers.push(d.sdp ?? '');
          return apply(d);
        };
        return pc as unknown as RTCPeerConnection;
      });
    },
    // The voice setup timer is the test's to fire; every other timer runs on the real clock.
    setTimer: (fn, ms) => {
      if (ms !== VOICE_SETUP_MS || setupTimers === null || setupTimers.length > 0) return setTimeout(fn, ms);
      setupTimers.push(fn);
      return { setup: setupTimers.length };
    },
    clearTimer: (handle) => {
      if (typeof handle !== 'object' || handle === null || !('setup' in handle)) clearTimeout(handle as NodeJS.Timeout);
    },
  });
  sessions.push(session);
  session.dispatch({ type: 'connect', displayName: name, password: '' });
  return { session, engine };
}

describe('voice re-offer racing the relay answer', () => {
  it('opens voice on the second offer when the first offer\'s answer arrives after it', async () => {
    const log: VoiceLog = { offers: [], answers: new Map() };
    const offers = log.offers;
    const setupTimers: Array<() => void> = [];
    const via = `ws://127.0.0.1:${proxy.port}${new URL(relay.relay.wsUrl).pathname}`;
    // The first transport is made just before its offer goes out: from then on, stall what the relay sends.
    const ann = await makeSession('Ann', via, log, setupTimers, (n) => {
      if (n === 1) proxy.holdDown();
    });
    await vi.waitFor(() => expect(offers).toEqual([1]), { timeout: 15_000, interval: 10 });
    // The relay answered offer 1 (an answer is hundreds of bytes): it is held on the way to the client.
    await vi.waitFor(() => expect(proxy.heldDownBytes()).toBeGreaterThan(300), { timeout: 15_000, interval: 10 });
    // The setup timer fires as it would on a box too slow to answer in 5 s: a second offer replaces the first.
    expect(setupTimers).toHaveLength(1);
    setupTimers[0]!();
    await vi.waitFor(() => expect(offers).toEqual([1, 2]), { timeout: 15_000, interval: 10 });
    // Now the late answer to offer 1, its candidates, and then the answer to offer 2 arrive, in that order.
    proxy.heal('flush');
    await vi.waitFor(() => expect(ann.session.state.voice.status).toBe('ready'), { timeout: 30_000, interval: 10 });
    expect(ann.session.state.voice.error).toBeNull();
    // The first PeerConnection was replaced before its answer came: it was given none. Every
    // later one was given exactly its own (a third exists only if the second died by itself).
    expect(log.answers.get(1)).toEqual([]);
    expect(log.answers.get(2)).toHaveLength(1);
    for (const [n, applied] of log.answers) if (n > 1) expect(applied.length, `transport ${n}`).toBeLessThanOrEqual(1);

    // The voice path works end to end: what Ann's engine sends, Bob's is fed.
    const bob = await makeSession('Bob', relay.relay.wsUrl, { offers: [], answers: new Map() }, null, () => {});
    await vi.waitFor(() => expect(bob.session.state.voice.status).toBe('ready'), { timeout: 30_000, interval: 10 });
    await vi.waitFor(() => expect(ann.session.state.users.some((u) => u.sessionId === bob.session.state.selfSessionId)).toBe(true), { timeout: 15_000, interval: 10 });
    let seq = 1;
    await vi.waitFor(
      () => {
        ann.engine.events.emit('datagram', encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(40).fill(seq) }));
        seq++;
        expect(bob.engine.received.length).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 50 },
    );
  });
});
