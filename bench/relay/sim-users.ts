/**
 * Simulated users as a load generator holds them: either a real Parley
 * client (handshake with its own Ed25519 key, control WebSocket, real
 * node-datachannel PeerConnection and unordered `voice` channel) or, for the
 * baseline, a bare UDP socket registered with the forwarder.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import type { SimUser, TargetAddress } from './ipc.ts';

/** One connected simulated user. */
export interface SimConnection {
  readonly user: SimUser;
  /** Extra voice offers it needed (libdatachannel loopback stalls, see relay-client.ts). */
  readonly retries: number;
  send(bytes: Uint8Array): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const SETUP_TIMEOUT_MS = 20_000;

async function connectRelayUser(wsUrl: string, user: SimUser, onDatagram: (d: Uint8Array) => void, bundles: boolean): Promise<SimConnection> {
  const client: TestClient = await connectClient(wsUrl, { name: `u${user.id}`, bufferDatagrams: false, lean: true, timeoutMs: SETUP_TIMEOUT_MS });
  try {
    if (client.authOk.roomId !== user.room) await client.join(user.room);
    client.onDatagram(onDatagram);
    await client.openVoice({ attempts: 5, attemptTimeoutMs: 4_000, bundles });
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  return {
    user,
    retries: client.voiceAttempts - 1,
    send: (bytes) => void client.sendDatagram(bytes),
    close: async () => {
      await client.close();
    },
  };
}

function connectUdpUser(port: number, user: SimUser, onDatagram: (d: Uint8Array) => void): Promise<SimConnection> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket('udp4');
    const register = Buffer.alloc(5);
    register[0] = 0xff;
    register.writeUInt32BE(user.voiceId, 1);
    const timer = setTimeout(() => reject(new Error(`udp register timed out [user:${user.id}]`)), SETUP_TIMEOUT_MS);
    let registered = false;
    socket.on('message', (msg) => {
      if (!registered) {
        if (msg[0] !== 0xfe) return;
        registered = true;
        clearTimeout(timer);
        resolve({
          user,
          retries: 0,
          send: (bytes) => socket.send(bytes, port, HOST),
          close: () => new Promise<void>((done) => socket.close(() => done())),
        });
        return;
      }
      onDatagram(msg);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.bind(0, HOST, () => socket.send(register, port, HOST));
  });
}

/** Connects `user` to `target`; `onDatagram` gets every forwarded frame (bundles opened when `bundles`). */
export function connectSimUser(target: TargetAddress, user: SimUser, onDatagram: (d: Uint8Array) => void, bundles: boolean): Promise<SimConnection> {
  return target.kind === 'relay' ? connectRelayUser(target.wsUrl, user, onDatagram, bundles) : connectUdpUser(target.port, user, onDatagram);
}
