/**
 * `rtc.udpMuxPort`: every PeerConnection on one UDP port (libjuice ICE UDP
 * mux). Voice must flow exactly as with a socket per PeerConnection, and the
 * relay's answers must offer that one port.
 */
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

/** A UDP port that was free a moment ago. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let started: StartedRelay | undefined;
const clients: TestClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await started?.cleanup();
});

describe('relay with rtc.udpMuxPort', () => {
  it('forwards voice between clients whose PeerConnections share the one relay port', async () => {
    const port = await freeUdpPort();
    started = await startRelay({ rtc: { udpMuxPort: port } });
    const answers: string[] = [];
    const a = await connectClient(started.relay.wsUrl, { name: 'A' });
    const b = await connectClient(started.relay.wsUrl, { name: 'B' });
    clients.push(a, b);
    for (const c of [a, b]) {
      c.socket.tap((m) => {
        if (m.case === 'rtcSignal' && m.value.signal.case === 'candidate') answers.push(m.value.signal.value.candidate);
      });
    }
    await Promise.all([a.openVoice(), b.openVoice()]);
    a.sendDatagram(encodeVoice({ seq: 9, ts: 960, flags: 0, payload: Uint8Array.of(1, 2, 3) }));
    const got = decodeDownlink(await b.nextDatagram());
    expect(got.ok && got.value).toMatchObject({ sender: a.sessionId, seq: 9 });
    // Every host candidate the relay offered is on the mux port.
    const ports = new Set(answers.filter((c) => c.includes(' host')).map((c) => Number(c.split(' ')[5])));
    expect([...ports]).toEqual([port]);
  });
});
