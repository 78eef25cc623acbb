/**
 * The link gateway between voice workers and a cluster's relay links
 * (relay/voice/workers/link-gateway.ts), on real loopback UDP sockets
 * standing in for two workers' ports, fed the messages the pool broadcasts.
 * The bridge is a recording one (the gateway's injected dependency): what
 * the gateway passes on is the observable outcome. Property test: any bytes
 * from any worker slot are passed on only when they are a FORWARDED frame of
 * a local speaker placed on that slot, and never throw.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeVoice, forwardVoice, peekForwardedRoom } from '../../../proto/index.ts';
import type { VoiceRoute } from '../../../relay/presence/presence.ts';
import { LinkGateway } from '../../../relay/voice/workers/index.ts';
import type { LinkBridge } from '../../../relay/voice/workers/index.ts';

const REMOTE = 2 ** 30;
const LOBBY = 7;
const QUIET = 9;

class RecordingBridge implements LinkBridge {
  readonly forwarded: Array<{ voiceId: number; bytes: Uint8Array }> = [];
  /** Rooms some other relay listens in. */
  readonly listening = new Set<number>([LOBBY]);
  carries(sessionId: number): boolean {
    return sessionId >= REMOTE;
  }
  wants(route: VoiceRoute): boolean {
    return this.listening.has(route.voiceId);
  }
  #waiters: Array<{ n: number; resolve: () => void }> = [];
  forward(route: VoiceRoute, downlink: Uint8Array): void {
    this.forwarded.push({ voiceId: route.voiceId, bytes: Uint8Array.from(downlink) });
    this.#waiters = this.#waiters.filter((w) => (this.forwarded.length >= w.n ? (w.resolve(), false) : true));
  }
  /** Resolves once `n` frames were passed on in all. */
  until(n: number): Promise<void> {
    return this.forwarded.length >= n ? Promise.resolve() : new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }
}

const frame = (sender: number, room: number, seq = 1): Uint8Array => forwardVoice(encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(20).fill(seq) }), sender, room);

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s;
}

/** Resolves with the next datagram `socket` receives. */
const nextOn = (socket: Socket): Promise<Buffer> => new Promise((resolve) => socket.once('message', (m: Buffer) => resolve(m)));

describe('link gateway', () => {
  let bridge: RecordingBridge;
  let gateway: LinkGateway;
  let workers: Socket[];

  beforeEach(async () => {
    bridge = new RecordingBridge();
    gateway = await LinkGateway.start({ workers: 2, bridge, onError: (where, error) => { throw new Error(`${where}: ${String(error)}`); } });
    workers = [await bound(), await bound()];
    gateway.observe({ t: 'peers', ports: [...workers.map((w) => w.address().port), gateway.port] });
    // Local 1 (worker 0) and 2 (worker 1) in the lobby, local 3 (worker 1) in quiet, a user of another relay in the lobby on the gateway.
    for (const [s, v, w] of [[1, LOBBY, 0], [2, LOBBY, 1], [3, QUIET, 1], [REMOTE + 5, LOBBY, 2]] as const) {
      gateway.observe({ t: 'presence', s, v, m: false, d: false });
      gateway.observe({ t: 'placed', s, w });
    }
  });

  afterEach(() => {
    gateway.close();
    for (const w of workers) w.close();
  });

  it('is the slot after the last worker', () => {
    expect(gateway.index).toBe(2);
    expect(gateway.port).toBeGreaterThan(0);
    expect(gateway.carries(REMOTE + 5)).toBe(true);
    expect(gateway.carries(5)).toBe(false);
  });

  it("passes a local speaker's frame from its own worker's port to the bridge once; not from another worker, not another relay's user's", async () => {
    const sendFrom = (w: number, bytes: Uint8Array): void => void workers[w]!.send(bytes, gateway.port, '127.0.0.1');
    // From the wrong worker, a frame of another relay's user, garbage, then the good one last.
    sendFrom(1, frame(1, LOBBY));
    sendFrom(1, frame(REMOTE + 5, LOBBY));
    sendFrom(0, new Uint8Array([1, 2, 3]));
    sendFrom(0, frame(1, LOBBY, 42));
    await bridge.until(1);
    // One good frame from the worker holding session 1: each arrives through the same socket in order, so the others were judged first.
    expect(bridge.forwarded.map((f) => [f.voiceId, f.bytes.byteLength])).toEqual([[LOBBY, frame(1, LOBBY, 42).byteLength]]);
    expect(gateway.stats()).toEqual({ out: 1, in: 0, dropped: { malformed: 1, 'not-local': 2 } });
    // A datagram from a port no worker has is not even counted.
    const stranger = await bound();
    try {
      stranger.send(frame(1, LOBBY), gateway.port, '127.0.0.1');
      sendFrom(0, frame(1, LOBBY, 43));
      await bridge.until(2);
      expect(gateway.stats()).toEqual({ out: 2, in: 0, dropped: { malformed: 1, 'not-local': 2 } });
    } finally {
      stranger.close();
    }
  });

  it('delivers a frame from another relay once to each worker holding members of its room, none to other workers', async () => {
    const bytes = frame(REMOTE + 5, LOBBY, 9);
    const at = workers.map(nextOn);
    gateway.deliver(REMOTE + 5, { voiceId: LOBBY, members: new Set() }, bytes);
    const got = await Promise.all(at);
    for (const g of got) expect(new Uint8Array(g)).toEqual(bytes);
    // Quiet lives on worker 1 only; worker 0 is then told it is down (port 0) and gets nothing more.
    gateway.observe({ t: 'peers', ports: [0, workers[1]!.address().port, gateway.port] });
    const quietFrame = frame(REMOTE + 5, QUIET, 10);
    const w1 = nextOn(workers[1]!);
    let w0 = 0;
    workers[0]!.on('message', () => w0++);
    gateway.deliver(REMOTE + 5, { voiceId: QUIET, members: new Set() }, quietFrame);
    gateway.deliver(REMOTE + 5, { voiceId: LOBBY, members: new Set() }, frame(REMOTE + 5, LOBBY, 11));
    expect(peekForwardedRoom(new Uint8Array(await w1))).toBe(QUIET);
    expect(peekForwardedRoom(new Uint8Array(await nextOn(workers[1]!)))).toBe(LOBBY);
    expect(w0).toBe(0);
    expect(gateway.stats().in).toBe(4);
  });

  it('after a worker is gone (its sessions placed nowhere), frames of its old sessions are not passed on', () => {
    gateway.observe({ t: 'placed', s: 1, w: -1 });
    gateway.take(0, frame(1, LOBBY));
    expect(bridge.forwarded).toEqual([]);
    expect(gateway.stats().dropped['not-local']).toBe(1);
  });

  it('property: any bytes from any slot are passed on only as a placed local speaker\'s frame, never thrown', () => {
    const placedOn = new Map<number, number>([[1, 0], [2, 1], [3, 1]]);
    const rooms = new Map<number, number>([[1, LOBBY], [2, LOBBY], [3, QUIET]]);
    const arbitraryFrame = fc.record({ sender: fc.oneof(fc.constantFrom(1, 2, 3, REMOTE + 5), fc.nat()), room: fc.oneof(fc.constantFrom(LOBBY, QUIET), fc.nat()) }).map(({ sender, room }) => frame(sender, room));
    const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), arbitraryFrame, arbitraryFrame.map((f) => f.slice(0, f.byteLength - 3)));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), anyBytes, (worker, bytes) => {
        const before = bridge.forwarded.length;
        expect(() => gateway.take(worker, bytes)).not.toThrow();
        const passed = bridge.forwarded.length - before;
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const sender = bytes.byteLength >= 9 ? view.getUint32(1) : -1;
        const room = bytes.byteLength >= 9 ? view.getUint32(5) : -1;
        const ok = bytes[0] === 0x02 && bytes.byteLength > 18 && placedOn.get(sender) === worker && rooms.get(sender) === room && bridge.listening.has(room);
        expect(passed).toBe(ok ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });
});
