/**
 * Drop counters. Every frame or datagram the relay refuses is counted here
 * under one reason and reported as a `drop` event (which the log adapter turns
 * into rate-limited log lines). Counting is a property increment so it can run
 * on the datagram hot path.
 */
import type { TypedEmitter } from '../proto/typed-emitter.ts';
import type { RelayEvents } from './events.ts';
import { DATAGRAM_DROP_REASONS, FRAME_DROP_REASONS } from './stats-types.ts';
import type { DatagramDropReason, FrameDropReason, RelayStats } from './stats-types.ts';
import type { VoiceWorkerStats } from './voice/plane.ts';
import type { SendMeter } from './connection/client-connection.ts';

export { DATAGRAM_DROP_REASONS, FRAME_DROP_REASONS } from './stats-types.ts';
export type { ControlSendStats, DatagramDropReason, FrameDropReason, RelayStats } from './stats-types.ts';

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
  #peakBuffered = 0;
  #slowDowns = 0;
  #slowReadersClosed = 0;
  #largestFrame = 0;
  #oversized = 0;
  /** The {@link SendMeter} every session reports to. */
  readonly sendMeter: SendMeter = {
    sent: (frameBytes, bufferedBytes) => {
      if (bufferedBytes > this.#peakBuffered) this.#peakBuffered = bufferedBytes;
      if (frameBytes > this.#largestFrame) this.#largestFrame = frameBytes;
    },
    oversized: () => void this.#oversized++,
    slowDown: () => void this.#slowDowns++,
    slowReaderClosed: () => void this.#slowReadersClosed++,
  };

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
    const controlSend = { peakBufferedBytes: this.#peakBuffered, slowDowns: this.#slowDowns, slowReadersClosed: this.#slowReadersClosed, largestFrameBytes: this.#largestFrame, oversizedFrames: this.#oversized };
    return { frames: { ...this.#frames }, datagrams: { ...this.#datagrams }, forwarded: this.#forwarded, bundled: this.#bundled, voiceWorkers, controlSend };
  }
}
