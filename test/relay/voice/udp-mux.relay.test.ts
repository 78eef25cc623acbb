/**
 * `rtc.udpMuxPort`: every PeerConnection on one UDP port (libjuice ICE UDP
 * mux). Voice must flow exactly as with a socket per PeerConnection, and the
 * relay's answers must offer that one port.
 */
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

/**
 * A UDP port that was free a moment ago, below the kernel's ephemeral range:
 * the relay binds it only when the first PeerConnection gathers, and in that
 * window any process binding port 0 (every other test's PeerConnections)
 * could be handed an ephemeral port; a fixed port outside that range is
 * never handed out, as an admin's `udp-port` should not be.
 */
async function freeUdpPort(): Promise<number> {
  const low = Number((await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768')).trim().split(/\s+/)[0]);
  const floor = 20_000;
  const span = Math.max(1000, (Number.isFinite(low) ? low : 32768) - floor);
  for (let attempt = 0; ; attempt++) {
    const port = floor + Math.floor(Math.random() * span);
    const free = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
    });
    if (free) return port;
    if (attempt > 50) throw new Error('no free UDP port below the ephemeral range');
  }
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
