/**
 * Integration, real relay on port 0: the client `Session` (ControlLink, VoiceLink,
 * SignalConnection) with Node's `ws` as its WebSocket, the real VoiceTransport over
 * node-datachannel's RTCPeerConnection, and a scripted audio engine (the microphone and
 * speakers are the only edge faked). Two sessions sign in, see each other, join a room,
 * and drive mute and deafen; what the relay tells the other user is asserted too.
 */
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection as NodePeerConnection } from 'node-datachannel/polyfill';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { createNobleSigner, fingerprint } from '../../../keys/index.ts';
import { encodeVoice } from '../../../proto/index.ts';
import { Session } from '../../../client/session/session.ts';
import type { State } from '../../../client/session/state.ts';
import { VoiceTransport } from '../../../client/session/voice/voice-transport.ts';
import { ScriptedEngine } from '../../helpers/scripted-engine.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

interface Client {
  readonly session: Session;
  readonly engine: ScriptedEngine;
}

let relay: StartedRelay;
let ann: Client;
let bob: Client;

async function makeClient(name: string): Promise<Client> {
  const signer = await createNobleSigner(new Uint8Array(randomBytes(32)));
  const engine = new ScriptedEngine();
  const session = new Session({
    url: relay.relay.wsUrl,
    signer,
    fingerprint: await fingerprint(signer.publicKey),
    createAudio: () => engine,
    webSocket: (url) => new NodeWebSocket(url) as unknown as WebSocket,
    createVoiceTransport: (send) => new VoiceTransport(send, { iceServers: [] }, (config) => new NodePeerConnection(config) as unknown as RTCPeerConnection),
  });
  session.dispatch({ type: 'connect', displayName: name, password: '' });
  return { session, engine };
}

/** Polls the session's state until `check` holds (the state is the observable outcome). */
async function until(client: Client, check: (s: State) => boolean): Promise<State> {
  await vi.waitFor(() => expect(check(client.session.state)).toBe(true), { timeout: 10_000, interval: 10 });
  return client.session.state;
}

/** How `viewer` sees `subject` right now, from the relay's presence messages. */
function seen(viewer: Client, subject: Client): { muted: boolean; deafened: boolean; roomId: string } | undefined {
  const u = viewer.session.state.users.find((x) => x.sessionId === subject.session.state.selfSessionId);
  return u && { muted: u.muted, deafened: u.deafened, roomId: u.roomId };
}

async function setMuted(client: Client, muted: boolean): Promise<void> {
  client.session.dispatch({ type: 'set-muted', muted });
  await until(bob, () => seen(bob, client)?.muted === muted);
}

async function setDeafened(client: Client, deafened: boolean): Promise<void> {
  client.session.dispatch({ type: 'set-deafened', deafened });
  await until(bob, () => seen(bob, client)?.deafened === deafened);
}

beforeAll(async () => {
  relay = await startRelay();
  ann = await makeClient('Ann');
  bob = await makeClient('Bob');
}, 30_000);

afterAll(async () => {
  await Promise.all([ann, bob].map((c) => c?.session.close()));
  await relay?.cleanup();
});

describe('client Session against a real relay', () => {
  it('signs in, opens voice and starts the engine', async () => {
    for (const c of [ann, bob]) {
      const s = await until(c, (x) => x.connection.status === 'connected' && x.voice.status === 'ready');
      expect(s.selfSessionId).toBeGreaterThan(0);
      expect(s.roomId).toBe('lobby');
      expect(s.rooms.map((r) => r.id)).toEqual(expect.arrayContaining(['lobby', 'quiet']));
      expect(c.engine.started).toBe(true);
    }
    expect(ann.session.state.users.find((u) => u.sessionId === ann.session.state.selfSessionId)?.displayName).toBe('Ann');
  });

  it('shows the second user, with its name and room', async () => {
    await until(ann, () => seen(ann, bob) !== undefined);
    expect(ann.session.state.users.find((u) => u.sessionId === bob.session.state.selfSessionId)?.displayName).toBe('Bob');
    expect(seen(ann, bob)?.roomId).toBe('lobby');
    expect(seen(bob, ann)?.roomId).toBe('lobby');
  });

  it('joins a room: the relay confirms it and the other user sees the move', async () => {
    ann.session.dispatch({ type: 'join-room', roomId: 'quiet' });
    await until(ann, (s) => s.roomId === 'quiet');
    await until(bob, () => seen(bob, ann)?.roomId === 'quiet');
    ann.session.dispatch({ type: 'join-room', roomId: 'lobby' });
    await until(bob, () => seen(bob, ann)?.roomId === 'lobby');
    expect(ann.session.state.roomId).toBe('lobby');
  });

  it('undeafen restores the earlier mute: muted, deafen, undeafen -> still muted', async () => {
    await setMuted(ann, true);
    expect(ann.engine.gate.mode).toBe('muted');
    await setDeafened(ann, true);
    expect([ann.session.state.muted, ann.session.state.deafened, ann.engine.deafened]).toEqual([true, true, true]);
    await setDeafened(ann, false);
    expect(seen(bob, ann)).toMatchObject({ muted: true, deafened: false });
    expect([ann.session.state.muted, ann.session.state.deafened, ann.engine.deafened, ann.engine.gate.mode]).toEqual([true, false, false, 'muted']);
  });

  it('undeafen restores the earlier mute: unmuted, deafen, undeafen -> unmuted', async () => {
    await setMuted(ann, false);
    // Unmuted, the gate is in the user's transmit mode (voice activation by default).
    const open = ann.session.state.voiceSettings.transmitMode;
    expect(ann.engine.gate.mode).toBe(open);
    await setDeafened(ann, true);
    expect(seen(bob, ann)).toMatchObject({ muted: true, deafened: true });
    expect(ann.engine.gate.mode).toBe('muted');
    await setDeafened(ann, false);
    expect(seen(bob, ann)).toMatchObject({ muted: false, deafened: false });
    expect([ann.session.state.muted, ann.session.state.deafened, ann.engine.deafened, ann.engine.gate.mode]).toEqual([false, false, false, open]);
  });

  it('carries voice over the real transport: what one engine sends, the other is fed', async () => {
    // A voice datagram as the capture worklet frames it (proto/datagram.ts).
    const before = bob.engine.received.length;
    ann.engine.events.emit('datagram', encodeVoice({ seq: 7, ts: 7 * 960, flags: 0, payload: new Uint8Array(40).fill(7) }));
    await vi.waitFor(() => expect(bob.engine.received.length).toBeGreaterThan(before), { timeout: 10_000, interval: 10 });
  });
});
