/**
 * The relay's TURN credentials against a real coturn (Debian's turnserver,
 * test/helpers/coturn.ts): two node-datachannel peers that may use relay
 * candidates only (iceTransportPolicy 'relay') connect through coturn with
 * the credentials a real relay put in AuthOk, and move a file over a data
 * channel (SHA-256 equal, the selected pair relay/relay). Credentials signed
 * with another secret, or expired, are refused by coturn: the peer gathers no
 * candidate at all, so a file connection fails at once and the fallback
 * takes over (client/files/peer-connection.ts "no candidates").
 */
import { createHash, randomBytes } from 'node:crypto';
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, IceServer, PeerConnection } from 'node-datachannel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TurnCredentials } from '../../../proto/index.ts';
import { turnCredentials } from '../../../relay/files/index.ts';
import { RELAY_IP, startCoturn } from '../../helpers/coturn.ts';
import type { Coturn } from '../../helpers/coturn.ts';
import { connectClient, withTimeout } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const SECRET = 'coturn-test-secret-5b1e7d';
const FILE_BYTES = 1024 * 1024 + 333;
const CHUNK = 16 * 1024;
/** Generous: the box is shared; these bound a hang, they time nothing. */
const WAIT_MS = 45_000;

/** libdatachannel's form of one TURN URL with credentials (its URL form cannot carry the ':' in a REST username). */
function iceServersOf(turn: Pick<TurnCredentials, 'urls' | 'username' | 'credential'>): IceServer[] {
  return turn.urls.map((url) => {
    const m = /^turn:([^:?]+):(\d+)\?transport=(udp|tcp)$/.exec(url);
    if (!m) throw new Error(`unexpected TURN url ${url}`);
    return { hostname: m[1]!, port: Number(m[2]), username: turn.username, password: turn.credential, relayType: m[3] === 'udp' ? 'TurnUdp' : 'TurnTcp' };
  });
}

function relayPeer(name: string, iceServers: IceServer[]): PeerConnection {
  return new nodeDataChannel.PeerConnection(name, { iceServers, iceTransportPolicy: 'relay' });
}

/** Resolves with the candidates `pc` gathered once gathering completes. */
function gathered(pc: PeerConnection): Promise<string[]> {
  const candidates: string[] = [];
  return new Promise((resolve) => {
    pc.onLocalCandidate((c) => candidates.push(c));
    pc.onGatheringStateChange((s) => {
      if (s === 'complete') resolve(candidates);
    });
  });
}

let coturn: Coturn;
const relays: StartedRelay[] = [];
const peers: PeerConnection[] = [];

beforeAll(async () => {
  coturn = await startCoturn(SECRET);
});
afterEach(async () => {
  for (const pc of peers.splice(0)) pc.close();
  for (const r of relays.splice(0)) await r.cleanup();
});
afterAll(async () => {
  await coturn?.close();
});

async function mintedTurn(secret: string): Promise<TurnCredentials> {
  const started = await startRelay({ turn: { urls: coturn.urls, secret, ttlSeconds: 600 } });
  relays.push(started);
  const c = await connectClient(started.relay.wsUrl, { name: 'Ana' });
  const turn = c.authOk.turn;
  await c.close();
  if (!turn) throw new Error('AuthOk carried no TURN credentials');
  return turn;
}

describe('TURN through a real coturn', () => {
  it("two relay-only peers move a file through coturn with the relay's credentials", { timeout: 90_000 }, async () => {
    const turnA = await mintedTurn(SECRET);
    const turnB = await mintedTurn(SECRET);
    const a = relayPeer('turn-a', iceServersOf(turnA));
    const b = relayPeer('turn-b', iceServersOf(turnB));
    peers.push(a, b);
    // In-process signalling: what is under test is coturn and the credentials, not Parley's signalling.
    a.onLocalDescription((sdp, type) => b.setRemoteDescription(sdp, type));
    b.onLocalDescription((sdp, type) => a.setRemoteDescription(sdp, type));
    a.onLocalCandidate((c, mid) => b.addRemoteCandidate(c, mid));
    b.onLocalCandidate((c, mid) => a.addRemoteCandidate(c, mid));

    const bytes = randomBytes(FILE_BYTES);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const arrived = new Promise<void>((resolve) => {
      b.onDataChannel((dc) => {
        dc.onMessage((m) => {
          const buf = typeof m === 'string' ? Buffer.from(m) : Buffer.from(m as ArrayBuffer);
          received.push(buf);
          receivedBytes += buf.length;
          if (receivedBytes >= FILE_BYTES) resolve();
        });
      });
    });
    const dc: DataChannel = a.createDataChannel('file');
    await withTimeout(new Promise<void>((resolve) => dc.onOpen(() => resolve())), WAIT_MS, 'data channel through coturn did not open');
    // Send under a bounded buffer, woken by the channel's own "buffered amount low" event.
    dc.setBufferedAmountLowThreshold(256 * 1024);
    for (let off = 0; off < FILE_BYTES; off += CHUNK) {
      if (dc.bufferedAmount() > 1024 * 1024) await new Promise<void>((resolve) => dc.onBufferedAmountLow(() => resolve()));
      dc.sendMessageBinary(bytes.subarray(off, Math.min(off + CHUNK, FILE_BYTES)));
    }
    await withTimeout(arrived, WAIT_MS, 'file did not arrive through coturn');

    expect(createHash('sha256').update(Buffer.concat(received)).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    // Both ends of the selected pair are coturn's relayed addresses (libjuice also forms srflx/prflx
    // pairs under 'relay'; coturn's per-IP permissions drop them, see test/helpers/coturn.ts).
    for (const pc of [a, b]) {
      const pair = pc.getSelectedCandidatePair();
      expect([pair?.local.type, pair?.remote.type]).toEqual(['relay', 'relay']);
      expect(pair?.local.address).toBe(RELAY_IP);
    }
    // coturn itself saw both allocations, under the users the relay named.
    await coturn.waitFor(new RegExp(`user <${turnA.username}>.*ALLOCATE processed, success`));
    await coturn.waitFor(new RegExp(`user <${turnB.username}>.*ALLOCATE processed, success`));
  });

  it('credentials signed with another secret are refused: no candidate is gathered', { timeout: 90_000 }, async () => {
    const wrong = await mintedTurn('not-the-coturn-secret');
    const pc = relayPeer('turn-wrong', iceServersOf(wrong));
    peers.push(pc);
    const candidates = gathered(pc);
    pc.createDataChannel('file');
    expect(await withTimeout(candidates, WAIT_MS, 'gathering did not complete')).toEqual([]);
    await coturn.waitFor(new RegExp(`user <${wrong.username}>.*error 401`));
  });

  it('expired credentials are refused: no candidate is gathered', { timeout: 90_000 }, async () => {
    const expired = turnCredentials({ urls: coturn.urls, secret: SECRET, ttlSeconds: 600 }, 'ab'.repeat(32), Date.now() - 3600_000);
    const pc = relayPeer('turn-expired', iceServersOf(expired));
    peers.push(pc);
    const candidates = gathered(pc);
    pc.createDataChannel('file');
    expect(await withTimeout(candidates, WAIT_MS, 'gathering did not complete')).toEqual([]);
    await coturn.waitFor(new RegExp(`user <${expired.username}>.*error 401`));
  });
});
