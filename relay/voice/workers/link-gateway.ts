/**
 * Joins voice worker processes to the cluster's relay links (decisions D128).
 * The main process holds the links and the cross-relay bridge
 * (relay/cluster/cross-voice.ts); this gateway is one more loopback peer of
 * the workers, at slot index `workers` (after the last worker), and speaks
 * their datagram format (`[0x02][sender][room voice id]...`):
 *
 * - **Out.** Users of other relays are placed on the gateway's slot in every
 *   worker's mirror (the pool does that), so a speaker's worker, having judged
 *   the frame once (bucket, mute, suppression, age), sends one loopback copy
 *   here exactly as it sends one to each other worker holding members of the
 *   room. The gateway hands it to the bridge, which sends it once per other
 *   relay with a listener in the room. A copy is taken only from the worker
 *   the gateway's own mirror places the sender on, for the room it is in
 *   there, and only for a local session: frames from other relays are never sent on.
 * - **In.** The bridge delivers a checked frame from another relay (speaker
 *   known here, in the room the frame names, sender renamed); the gateway
 *   sends one loopback copy to each worker holding members of that room,
 *   which fans it out with `VoiceRouter.deliver` (deafen, send caps) and
 *   never forwards it further.
 *
 * Its mirror is fed the same presence and placement messages as the
 * workers' (`observe`), synchronously in the main process.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isForwarded, peekForwardedRoom, peekForwardedSender } from '../../../proto/index.ts';
import { RelayError } from '../../errors.ts';
import type { VoiceRoute } from '../../presence/presence.ts';
import type { RemoteFanOut } from '../router.ts';
import type { ToWorker } from './ipc.ts';
import { VoiceMirror } from './voice-mirror.ts';

const LOOPBACK = '127.0.0.1';

/** The cross-relay bridge as the gateway sees it (CrossVoice fits). */
export interface LinkBridge extends RemoteFanOut {
  /** True for a user of another relay (its frames arrive over links, never from a worker). */
  carries(sessionId: number): boolean;
}

/** Why the gateway dropped a loopback datagram from a worker. */
export type GatewayDrop = 'malformed' | 'not-local';

/** Counters of the gateway. */
export interface GatewayStats {
  /** Frames taken from workers and handed to the bridge. */
  readonly out: number;
  /** Loopback copies sent to workers of frames from other relays. */
  readonly in: number;
  readonly dropped: Readonly<Record<GatewayDrop, number>>;
}

/** Dependencies of {@link LinkGateway}. */
export interface LinkGatewayDeps {
  /** Worker slots; the gateway is slot `workers`. */
  readonly workers: number;
  readonly bridge: LinkBridge;
  readonly onError: (where: string, error: unknown) => void;
}

/** See the module comment. */
export class LinkGateway {
  readonly #deps: LinkGatewayDeps;
  readonly #socket: Socket;
  readonly #mirror: VoiceMirror;
  /** Session -> worker slot holding its PeerConnection (local sessions only). */
  readonly #placed = new Map<number, number>();
  /** Loopback port of each worker slot (0: none running). */
  #ports: readonly number[] = [];
  #port = 0;
  #out = 0;
  #in = 0;
  readonly #dropped: Record<GatewayDrop, number> = { malformed: 0, 'not-local': 0 };

  private constructor(deps: LinkGatewayDeps, socket: Socket) {
    this.#deps = deps;
    this.#socket = socket;
    this.#mirror = new VoiceMirror(deps.workers);
    socket.on('message', (bytes: Buffer, from: RemoteInfo) => this.#fromWorker(bytes, from));
    socket.on('error', (error) => deps.onError('voice link gateway socket', error));
  }

  /** Binds the gateway's loopback socket; rejects with `RelayError('voice-worker')` when it cannot. */
  static async start(deps: LinkGatewayDeps): Promise<LinkGateway> {
    const socket = createSocket('udp4');
    const gateway = new LinkGateway(deps, socket);
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => reject(RelayError.voiceWorker(`voice link gateway cannot bind ${LOOPBACK} [reason:${error.message}]`, error));
      socket.once('error', failed);
      socket.bind(0, LOOPBACK, () => {
        socket.off('error', failed);
        resolve();
      });
    });
    gateway.#port = socket.address().port;
    return gateway;
  }

  /** The slot index workers know the gateway under. */
  get index(): number {
    return this.#deps.workers;
  }

  /** Its loopback port (the last entry of the workers' `peers`). */
  get port(): number {
    return this.#port;
  }

  /** True for a user of another relay: the pool places it on the gateway's slot. */
  carries(sessionId: number): boolean {
    return this.#deps.bridge.carries(sessionId);
  }

  /** Applies a message the pool sends every worker, so the gateway sees what they see. */
  observe(msg: ToWorker): void {
    switch (msg.t) {
      case 'presence':
        this.#mirror.presence(msg.s, msg.v, msg.m, msg.d);
        if (msg.v === 0) this.#placed.delete(msg.s);
        return;
      case 'placed':
        this.#mirror.placed(msg.s, msg.w);
        if (msg.w >= 0 && msg.w < this.#deps.workers) this.#placed.set(msg.s, msg.w);
        else this.#placed.delete(msg.s);
        return;
      case 'peers':
        this.#ports = msg.ports.slice(0, this.#deps.workers);
        return;
      default:
        return;
    }
  }

  /** A checked frame from another relay (the bridge's delivery): one copy to each worker with members of the room. */
  deliver(_sender: number, route: VoiceRoute, downlink: Uint8Array): void {
    const room = this.#mirror.route(route.voiceId);
    if (!room) return;
    for (const worker of room.remote.keys()) {
      const port = this.#ports[worker];
      if (!port) continue;
      this.#socket.send(downlink, port, LOOPBACK);
      this.#in++;
    }
  }

  /** Counters now. */
  stats(): GatewayStats {
    return { out: this.#out, in: this.#in, dropped: { ...this.#dropped } };
  }

  /** Closes the socket. Idempotent. */
  close(): void {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
  }

  #fromWorker(bytes: Buffer, from: RemoteInfo): void {
    // Only the workers may hand frames to the links; anything else on loopback is ignored.
    const worker = from.address === LOOPBACK ? this.#ports.indexOf(from.port) : -1;
    if (worker >= 0) this.take(worker, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /**
   * One datagram from worker slot `worker` (what the loopback socket hands
   * over once it knows the sender's port): passed to the bridge or counted
   * as dropped. Never throws, whatever the bytes.
   */
  take(worker: number, bytes: Uint8Array): void {
    if (!isForwarded(bytes)) {
      this.#dropped.malformed++;
      return;
    }
    const sender = peekForwardedSender(bytes);
    const room = this.#mirror.voiceSender(sender)?.room;
    // A local speaker placed on the worker that sent it, in the room the frame names: never a frame from another relay.
    if (!room || room.voiceId !== peekForwardedRoom(bytes) || this.#placed.get(sender) !== worker || this.#deps.bridge.carries(sender)) {
      this.#dropped['not-local']++;
      return;
    }
    if (!this.#deps.bridge.wants(room)) return;
    this.#out++;
    this.#deps.bridge.forward(room, bytes);
  }
}
