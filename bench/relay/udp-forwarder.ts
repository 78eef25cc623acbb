/**
 * Child process: the baseline. A minimal Node forwarder doing the same
 * fan-out as the relay over plain UDP (`dgram`): no WebRTC, no checks, no
 * rate limit. A client registers with one `[0xFF][voiceId u32]` datagram
 * (acknowledged with `[0xFE]`); every other datagram is sent verbatim to the
 * other members of the sender's room. It shows what WebRTC (DTLS, SCTP, the
 * native hop) and the relay's checks cost.
 */
import { createSocket } from 'node:dgram';
import { reply } from './ipc.ts';
import type { TargetReply, TargetRequest } from './ipc.ts';

const REGISTER = 0xff;
const ACK = Uint8Array.of(0xfe);
const HOST = '127.0.0.1';

/** Room member ports by voice id, and each port's room (everything is on loopback). */
const rooms = new Map<number, number[]>();
const roomOf = new Map<number, number[]>();
let forwarded = 0;

const socket = createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  if (msg[0] === REGISTER && msg.length === 5) {
    const voiceId = msg.readUInt32BE(1);
    let members = rooms.get(voiceId);
    if (!members) rooms.set(voiceId, (members = []));
    if (!members.includes(rinfo.port)) members.push(rinfo.port);
    roomOf.set(rinfo.port, members);
    socket.send(ACK, rinfo.port, HOST);
    return;
  }
  const members = roomOf.get(rinfo.port);
  if (!members) return;
  for (const port of members) {
    if (port === rinfo.port) continue;
    socket.send(msg, port, HOST);
    forwarded++;
  }
});

function handle(req: TargetRequest): void {
  switch (req.type) {
    case 'start':
      socket.bind(0, HOST, () => {
        try {
          socket.setRecvBufferSize(4 * 1024 * 1024);
          socket.setSendBufferSize(4 * 1024 * 1024);
        } catch {
          /* capped by net.core.rmem_max; the default still works */
        }
        reply<TargetReply>({ type: 'started', address: { kind: 'udp', port: socket.address().port }, pids: [process.pid] });
      });
      return;
    case 'stats':
      reply<TargetReply>({
        type: 'stats',
        forwarded,
        bundled: 0,
        drops: {},
        internalErrors: 0,
        heapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
        externalKiB: Math.round(process.memoryUsage().external / 1024),
      });
      return;
    case 'exit':
      socket.close();
      process.exit(0);
  }
}

process.on('message', handle);
reply<TargetReply>({ type: 'ready', pid: process.pid });
