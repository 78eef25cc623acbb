/**
 * Drop counters. Every frame or datagram the relay refuses is counted here
 * under one reason and reported as a `drop` event (which the log adapter turns
 * into rate-limited log lines). Counting is a property increment so it can run
 * on the datagram hot path.
 */
import type { TypedEmitter } from './emitter.ts';
import type { RelayEvents } from './events.ts';
import type { VoiceWorkerStats } from './voice-plane.ts';

/** Why a control (WebSocket) frame was dropped. */
export const FRAME_DROP_REASONS = [
  /** Binary frame that is not a decodable Envelope (or is empty). */
  'malformed',
  /** A text WebSocket frame; the protocol is binary only. */
  'text-frame',
  /** Frame over MAX_CONTROL_FRAME_BYTES; `ws` closes the socket with 1009. */
  'too-large',
  /** Envelope without a message this relay knows. */
  'unknown-message',
  /** Anything but clientAuth/ping before authentication (socket is closed). */
  'before-auth',
  /** A relay-only message from a client, or a request with invalid content. */
  'bad-request',
  /** Over the per-connection control-frame token bucket. */
  'rate-limited',
  /** A clientAuth that failed verification. */
  'auth-refused',
  /** A second clientAuth on one connection. */
  'already-authenticated',
  /** joinRoom naming a room that does not exist. */
  'unknown-room',
  /** joinRoom into a room at its user limit. */
  'room-full',
  /** WebSocket protocol violation other than size (bad opcode, bad UTF-8, ...). */
  'ws-protocol',
  /** A handler threw; the frame was dropped and the process kept running. */
  'internal-error',
  /** A chat item or history request refused (bad shape, signature, rate, permission); answered with its code. */
  'chat-refused',

  /** A signed op the pipeline refused (one count per op; the author gets the code). */
  'op-refused',
  /** A client sent a Yjs SyncStep2/Update: clients are read-only replicas, so it is ignored. */
  'read-only-sync',
] as const;
export type FrameDropReason = (typeof FRAME_DROP_REASONS)[number];

/** Why a voice datagram was dropped. */
export const DATAGRAM_DROP_REASONS = [
  /** Over MAX_UPLINK_BYTES. */
  'too-large',
  /** First byte is neither keep-alive nor voice. */
  'unknown-kind',
  /** Keep-alive with payload, or voice with no Opus bytes. */
  'bad-length',
  /** Zero-length message. */
  'empty',
  /** A string message on the voice channel. */
  'not-binary',
  /** Arrived on a channel whose session is gone or not authenticated. */
  'unauthenticated',
  /** Keep-alives are counted here and dropped: they only keep NAT bindings open. */
  'keepalive',
  /** Voice from a sender who is muted (or deafened, which implies muted). */
  'muted',
  /** Over the sender's datagram token bucket. */
  'rate-limited',
  /** Older than `maxDatagramAgeMs` when the relay got to it (a backlog formed); see staleness.ts. */
  'stale',
  /** One recipient skipped because its DataChannel buffer was over the cap. */
  'send-buffer-full',
  /** One recipient skipped because the native send threw (channel closing). */
  'send-failed',
] as const;
export type DatagramDropReason = (typeof DATAGRAM_DROP_REASONS)[number];

/** Snapshot returned by `relay.stats()`. */
export interface RelayStats {
  readonly frames: Readonly<Record<FrameDropReason, number>>;
  readonly datagrams: Readonly<Record<DatagramDropReason, number>>;
  /** Voice frames sent to recipients (one per recipient and frame, bundled or not). */
  readonly forwarded: number;
  /** Of `forwarded`, frames that went out packed with others in BUNDLE datagrams (relay under load). */
  readonly bundled: number;
  /** Largest control frame the relay handed to a socket since it started, bytes (must stay under MAX_CONTROL_FRAME_BYTES). */
  readonly largestFrameBytes: number;
  /** Per voice worker process (empty when voice runs in the main process); already included in the totals above. */
  readonly voiceWorkers: readonly VoiceWorkerStats[];
}

function zeroes<R extends string>(reasons: readonly R[]): Record<R, number> {
  const out = {} as Record<R, number>;
  for (const r of reasons) out[r] = 0;
  return out;
}

/** Mutable counters plus the `drop` event. One instance per relay. */
export class DropStats {
  readonly #frames = zeroes(FRAME_DROP_REASONS);
  readonly #datagrams = zeroes(DATAGRAM_DROP_REASONS);
  readonly #events: TypedEmitter<RelayEvents>;
  #forwarded = 0;
  #bundled = 0;
  #largestFrame = 0;

  constructor(events: TypedEmitter<RelayEvents>) {
    this.#events = events;
  }

  /** Counts a dropped control frame of connection `connId`. */
  frame(reason: FrameDropReason, connId: number, detail = ''): void {
    this.#frames[reason]++;
    if (this.#events.has('drop')) this.#events.emit('drop', { kind: 'frame', reason, id: connId, detail });
  }

  /** Counts a dropped datagram from (or to) session `sessionId`. */
  datagram(reason: DatagramDropReason, sessionId: number): void {
    this.#datagrams[reason]++;
    if (this.#events.has('drop')) this.#events.emit('drop', { kind: 'datagram', reason, id: sessionId, detail: '' });
  }

  /** Notes one control frame sent of `bytes`. */
  sent(bytes: number): void {
    if (bytes > this.#largestFrame) this.#largestFrame = bytes;
  }

  /** Counts `n` forwarded copies. */
  forwarded(n: number): void {
    this.#forwarded += n;
  }

  /** Counts `n` forwarded copies that went out in bundles (already counted by {@link forwarded}). */
  bundled(n: number): void {
    this.#bundled += n;
  }

  /**
   * Adds counters a voice worker reported: `drops` by reason (no events), then
   * a `drop` event for each of `samples` (some of those drops, with the session).
   */
  merge(forwarded: number, bundled: number, drops: Readonly<Partial<Record<DatagramDropReason, number>>>, samples: ReadonlyArray<readonly [DatagramDropReason, number]>): void {
    this.#forwarded += forwarded;
    this.#bundled += bundled;
    for (const reason of DATAGRAM_DROP_REASONS) this.#datagrams[reason] += drops[reason] ?? 0;
    if (!this.#events.has('drop')) return;
    for (const [reason, id] of samples) this.#events.emit('drop', { kind: 'datagram', reason, id, detail: '' });
  }

  snapshot(voiceWorkers: readonly VoiceWorkerStats[] = []): RelayStats {
    return { frames: { ...this.#frames }, datagrams: { ...this.#datagrams }, forwarded: this.#forwarded, bundled: this.#bundled, largestFrameBytes: this.#largestFrame, voiceWorkers };
  }
}
