/**
 * Integration, real relay on port 0: three FilesClients over real control
 * sockets, connected to each other with node-datachannel's RTCPeerConnection
 * (real WebRTC, real DTLS). A shares a file; B downloads it. Bytes equal
 * (SHA-256), and the relay's fallback counters show it carried no chunk bytes.
 * Then A leaves and C downloads from B alone: the tracker may still name A
 * for a moment, and the relay's refusal of C's signal to A must free the
 * requests C had given A (before the fix C waited on them forever).
 * And a sharer with four receivers that start at once: the sharer's own
 * upload counter shows the file left it at most twice (it super-seeds).
 */
import { createHash, randomBytes, sign as edSign } from 'node:crypto';
import { RTCPeerConnection as NodePeerConnection } from 'node-datachannel/polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedChunkStore, FilesClient, memoryChunkStore } from '../../../client/files/index.ts';
import type { FilesState } from '../../../client/files/index.ts';
import { verifyEd25519 } from '../../../keys/index.ts';
import { connectClient, rawPublicKeyOf, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const SIZE = 3 * 1024 * 1024 + 1234;

interface Peer {
  readonly socket: TestClient;
  readonly files: FilesClient;
  readonly store: BoundedChunkStore;
  state: FilesState | null;
}

let relay: StartedRelay;

async function peer(name: string, rtcConfig?: RTCConfiguration): Promise<Peer> {
  const key = generateKey();
  const socket = await connectClient(relay.relay.wsUrl, { name, key });
  const store = await BoundedChunkStore.open(memoryChunkStore(), 64 * 1024 * 1024);
  const p: Peer = { socket, store, state: null, files: null as unknown as FilesClient };
  const files = new FilesClient({
    relayKey: socket.hello.relayPublicKey,
    selfKey: rawPublicKeyOf(key),
    sign: async (m) => new Uint8Array(edSign(null, m, key)),
    verify: verifyEd25519,
    store,
    send: (msg) => {
      if (!socket.socket.isOpen) return false;
      socket.send(msg);
      return true;
    },
    postFile: () => {},
    now: () => Date.now(),
    onChange: (s) => (p.state = s),
    createPeerConnection: (c) => new NodePeerConnection(c) as unknown as RTCPeerConnection,
    createObjectUrl: () => 'blob:test',
    ...(rtcConfig ? { rtcConfig } : {}),
  });
  Object.assign(p, { files });
  socket.socket.tap((m) => files.handle(m));
  files.connected();
  return p;
}

async function bytesOf(p: Peer, hex: string): Promise<Buffer> {
  const blob = await p.files.blob(hex);
  return Buffer.from(await blob!.arrayBuffer());
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const status = (p: Peer, hex: string): string | undefined => p.state?.files.get(hex)?.transfer?.status;

beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay?.stop();
});

describe('FilesClient over a real relay', () => {
  it('A shares, B downloads it over a direct connection the relay introduced; bytes equal, the relay carries no chunk bytes', { timeout: 90_000 }, async () => {
    const a = await peer('Ana');
    const b = await peer('Bo');
    const c = await peer('Cy');
    const bytes = new Uint8Array(randomBytes(SIZE));
    const hex = await a.files.share('room:lobby', { kind: 'room', roomId: 'lobby' }, new File([bytes as Uint8Array<ArrayBuffer>], 'big.bin', { type: 'application/octet-stream' }));
    expect(a.files.state.files.get(hex)?.transfer?.status).toBe('complete');
    // What chat would hand B and C: the signed manifest from A's post.
    const m = a.files.manifestOf(hex);
    const authorHex = Buffer.from(rawPublicKeyOf(a.socket.key)).toString('hex');
    expect(await b.files.learn(m!, hex, authorHex)).not.toBeNull();
    await b.files.download(hex);
    await expect.poll(() => status(b, hex), { timeout: 60_000, interval: 100 }).toBe('complete');
    expect(sha(await bytesOf(b, hex))).toBe(sha(bytes));

    const files = relay.relay.stats().files!;
    expect(files.relayBytesOut + files.relayBytesIn).toBeLessThan(SIZE * 0.01);
    expect(files.signalsForwarded).toBeGreaterThan(0);
    for (const p of [a, b, c]) {
      p.files.disconnected();
      p.socket.socket.close();
    }
  });

  it('a sharer and four receivers starting at once: all get the bytes, the sharer uploads at most twice the file, the relay under 1 %', { timeout: 180_000 }, async () => {
    const N = 4;
    const a = await peer('Ana');
    const rx = await Promise.all(Array.from({ length: N }, (_, i) => peer(`Rx${i}`)));
    const bytes = new Uint8Array(randomBytes(SIZE));
    const hex = await a.files.share('room:lobby', { kind: 'room', roomId: 'lobby' }, new File([bytes as Uint8Array<ArrayBuffer>], 'swarm.bin', { type: 'application/octet-stream' }));
    const m = a.files.manifestOf(hex)!;
    const authorHex = Buffer.from(rawPublicKeyOf(a.socket.key)).toString('hex');
    const before = relay.relay.stats().files!;
    for (const p of rx) expect(await p.files.learn(m, hex, authorHex)).not.toBeNull();
    await Promise.all(rx.map((p) => p.files.download(hex)));
    for (const p of rx) await expect.poll(() => status(p, hex), { timeout: 150_000, interval: 100 }).toBe('complete');
    for (const p of rx) expect(sha(await bytesOf(p, hex))).toBe(sha(bytes));
    // The sharer super-seeds: each chunk to one live peer, the receivers pass it on (a tree, not a star).
    const uploaded = a.files.state.files.get(hex)!.transfer!.progress.uploadedBytes;
    console.log(`swarm of ${N}: sharer uploaded ${(uploaded / SIZE).toFixed(2)}x the file; receivers ${rx.map((p) => (p.files.state.files.get(hex)!.transfer!.progress.uploadedBytes / SIZE).toFixed(2)).join(' ')}`);
    expect(uploaded).toBeGreaterThanOrEqual(SIZE);
    expect(uploaded).toBeLessThanOrEqual(2 * SIZE);
    const fromReceivers = rx.reduce((n, p) => n + p.files.state.files.get(hex)!.transfer!.progress.uploadedBytes, 0);
    expect(fromReceivers).toBeGreaterThanOrEqual(N * SIZE - uploaded);
    const after = relay.relay.stats().files!;
    expect(after.relayBytesOut + after.relayBytesIn - before.relayBytesOut - before.relayBytesIn).toBeLessThan(SIZE * 0.01);
    for (const p of [a, ...rx]) {
      p.files.disconnected();
      p.socket.socket.close();
    }
  });

  it('A leaves, C downloads entirely from B (a finished downloader serves what it holds)', { timeout: 120_000 }, async () => {
    const a = await peer('Ana');
    const b = await peer('Bo');
    const c = await peer('Cy');
    const bytes = new Uint8Array(randomBytes(SIZE));
    const hex = await a.files.share('room:lobby', { kind: 'room', roomId: 'lobby' }, new File([bytes as Uint8Array<ArrayBuffer>], 'big2.bin', { type: 'application/octet-stream' }));
    const m = a.files.manifestOf(hex)!;
    const authorHex = Buffer.from(rawPublicKeyOf(a.socket.key)).toString('hex');
    expect(await b.files.learn(m, hex, authorHex)).not.toBeNull();
    await b.files.download(hex);
    await expect.poll(() => status(b, hex), { timeout: 60_000, interval: 100 }).toBe('complete');

    a.files.disconnected();
    a.socket.socket.close();
    const before = relay.relay.stats().files!;
    expect(await c.files.learn(m, hex, authorHex)).not.toBeNull();
    await c.files.download(hex);
    await expect.poll(() => status(c, hex), { timeout: 60_000, interval: 100 }).toBe('complete');
    expect(sha(await bytesOf(c, hex))).toBe(sha(bytes));
    const after = relay.relay.stats().files!;
    expect(after.relayBytesOut + after.relayBytesIn - before.relayBytesOut - before.relayBytesIn).toBeLessThan(SIZE * 0.01);
    for (const p of [b, c]) {
      p.files.disconnected();
      p.socket.socket.close();
    }
  });
});
