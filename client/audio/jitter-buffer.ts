/**
 * Per-sender adaptive jitter buffer: decides, once per 20 ms of output, what
 * to play for one remote sender. Pure: no DOM, no timers; the caller passes
 * arrival and pull times in ms (the playback worklet uses its audio clock).
 *
 * Timeline. Every packet carries `seq` (+1 per sent packet) and `ts` (48 kHz
 * sample clock, +960 per frame, running on while the sender is silent). Both
 * are unwrapped from u32 at insert. Playout keeps `nextSeq` (the packet we
 * want next) and `playTs` (the sender time of the frame we output next).
 * `delay = now - playTs/48 - baseline` is how far playout trails the fastest
 * recent path (see delay-estimator.ts); the buffer steers it towards
 * `target = clamp(q95(relative delay) + one frame, 20, 200)`. The extra frame
 * is the look-ahead that lets a lost packet be rebuilt from the next packet's
 * in-band FEC.
 *
 * Per pull:
 * - packet `nextSeq` in hand and due → `packet`;
 * - in hand but its `ts` is ahead (contiguous seq, ts jump = DTX or pause) → `silence`;
 * - missing, `nextSeq+1` in hand and exactly one frame on → `fec` (decode its FEC part);
 * - missing, later packets in hand → `conceal` one frame per missing seq;
 * - missing, nothing later: `silence` if the sender said it went quiet (an End
 *   flag, or a TOC-only DTX frame, see DTX_MAX_BYTES), else `conceal`.
 *
 * Clock drift (±0.1 % is 1 frame per 20 s) and target changes are absorbed
 * where it is cheap: during silence the playout point is held back or skips
 * ahead by a frame; in speech a frame is dropped only after the delay stayed
 * above target for a while, and a missing packet while running early is
 * covered by one concealed frame without advancing (a "stretch").
 */
import { AdaptiveTarget } from './delay-estimator.ts';
import type { AdaptiveTargetOptions } from './delay-estimator.ts';
import { SerialUnwrapper } from './serial-number.ts';
import { DTX_MAX_BYTES, FRAME_MS, FRAME_SAMPLES, SAMPLES_PER_MS } from './voice-format.ts';

/** One voice packet as the jitter buffer needs it (a decoded downlink datagram fits). */
export interface JitterPacket {
  /** u32 packet counter, +1 per sent packet. */
  readonly seq: number;
  /** u32 48 kHz sample clock of the frame's first sample. */
  readonly ts: number;
  /** VoiceFlags bits; only End matters here. */
  readonly flags: number;
  /** Opus packet. */
  readonly payload: Uint8Array;
}

/** What to output for the next 20 ms. */
export type JitterPull =
  /** Decode this packet. */
  | { readonly kind: 'packet'; readonly payload: Uint8Array }
  /** The packet is lost; decode the FEC data of the next one (`decodeFec: true`). */
  | { readonly kind: 'fec'; readonly nextPayload: Uint8Array }
  /** The packet is missing; run packet-loss concealment. */
  | { readonly kind: 'conceal' }
  /** The sender is quiet (DTX, pause, not started); output zeros, no PLC. */
  | { readonly kind: 'silence' };

/** Result of {@link JitterBuffer.insert}. */
export type InsertOutcome = 'queued' | 'duplicate' | 'late' | 'reset';

/** Counters and current state, for UI and tests. */
export interface JitterBufferStats {
  /** Current adaptive target delay, ms. */
  readonly targetMs: number;
  /** Playout delay above the fastest recent path at the last pull, ms. */
  readonly delayMs: number;
  /** Audio in hand ahead of the playout point, ms. */
  readonly bufferedMs: number;
  /** Packets played as `packet`. */
  readonly played: number;
  /** Packets that arrived after their slot (dropped). */
  readonly late: number;
  /** Sequence numbers that never played (lost in the network, or late). */
  readonly lost: number;
  /** `conceal` results handed out. */
  readonly concealed: number;
  /** `fec` results handed out. */
  readonly fecRecovered: number;
  /** Duplicate packets ignored. */
  readonly duplicates: number;
  /** Frames skipped to bring the delay down (drift, shrinking target, backlog). */
  readonly dropped: number;
  /** Frames where playout was held back to let the delay grow. */
  readonly held: number;
}

/** Options for {@link JitterBuffer}; all optional. */
export interface JitterBufferOptions extends AdaptiveTargetOptions {
  /** Nothing in hand and nothing heard for this long → next packet restarts playout; ms, default 1000. */
  readonly idleResetMs?: number;
}

interface Stored {
  readonly seq: number;
  readonly ts: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

const SILENCE: JitterPull = Object.freeze({ kind: 'silence' });
const CONCEAL: JitterPull = Object.freeze({ kind: 'conceal' });
const END_FLAG = 0x02; // VoiceFlags.End; not imported so this module stays free of proto/.
/** Hold back when the delay is this far below target (ms). */
const LOW_SLACK_MS = 10;
/** Speed up when the delay is this far above target (ms). */
const HIGH_SLACK_MS = 30;
/**
 * In silence, skip a frame already when the delay is this far above target
 * (ms): skipping silence is free, and 15 + 10 (LOW_SLACK_MS) > 20 ms (one
 * frame), so skipping and holding cannot chase each other.
 */
const QUIET_SHRINK_MS = 15;
/**
 * In speech, drop a frame only after the delay stayed above target +
 * HIGH_SLACK_MS for this many pulls (3 s): drift needs one drop per ~20 s,
 * and silence usually comes sooner and costs nothing.
 */
const DROP_AFTER_PULLS = 150;
/** ...or after this many pulls when the excess is large (a backlog, not drift). */
const FAST_DROP_AFTER_PULLS = 10;
/** Excess over target (ms) that counts as a backlog. */
const BACKLOG_MS = 100;
/** A seq this far from the playout point means the sender restarted its counters. */
const RESET_SEQ_SPAN = 3000;
/** A ts gap this long in hand (500 ms) restarts playout instead of waiting it out. */
const MAX_GAP_SAMPLES = 25 * FRAME_SAMPLES;
const MAX_PACKETS = 256;
const SEEN_RING = 256;

function isQuiet(p: Stored): boolean {
  return (p.flags & END_FLAG) !== 0 || p.payload.byteLength <= DTX_MAX_BYTES;
}

/** Adaptive jitter buffer for one sender. */
export class JitterBuffer {
  readonly #idleResetMs: number;
  readonly #target: AdaptiveTarget;
  readonly #seqU = new SerialUnwrapper();
  readonly #tsU = new SerialUnwrapper();
  readonly #packets = new Map<number, Stored>();
  readonly #seen = new Float64Array(SEEN_RING).fill(-1);
  #started = false;
  #hasPlayed = false;
  #nextSeq = 0;
  #playTs = 0;
  #senderQuiet = false;
  #overRun = 0;
  #firstArrivalMs = 0;
  #lastArrivalMs = Number.NEGATIVE_INFINITY;
  #lastDelayMs = 0;
  #s = { played: 0, late: 0, lost: 0, concealed: 0, fecRecovered: 0, duplicates: 0, dropped: 0, held: 0 };

  constructor(options: JitterBufferOptions = {}) {
    this.#idleResetMs = options.idleResetMs ?? 1000;
    this.#target = new AdaptiveTarget(options);
  }

  /** Arrival time (ms) of the newest packet, `-Infinity` before any. */
  get lastArrivalMs(): number {
    return this.#lastArrivalMs;
  }

  /** Whether playout is running (false while waiting for the first packet's target delay, or after a long quiet). */
  get started(): boolean {
    return this.#started;
  }

  /** Adds a packet that arrived at `arrivalMs`. */
  insert(packet: JitterPacket, arrivalMs: number): InsertOutcome {
    let outcome: InsertOutcome = 'queued';
    let seq = this.#seqU.unwrap(packet.seq);
    if (this.#hasPlayed && Math.abs(seq - this.#nextSeq) > RESET_SEQ_SPAN) {
      this.#restartStream();
      seq = this.#seqU.unwrap(packet.seq);
      outcome = 'reset';
    }
    const ts = this.#tsU.unwrap(packet.ts);
    const slot = ((seq % SEEN_RING) + SEEN_RING) % SEEN_RING; // ext seq may dip below 0
    if (this.#seen[slot] === seq) {
      this.#s.duplicates++;
      return 'duplicate';
    }
    this.#seen[slot] = seq;
    // Late packets still tell us about the path, so they feed the estimator.
    this.#target.estimator.add(arrivalMs, ts / SAMPLES_PER_MS);
    this.#lastArrivalMs = Math.max(this.#lastArrivalMs, arrivalMs);
    const stored: Stored = { seq, ts, flags: packet.flags, payload: packet.payload };
    if (this.#hasPlayed && (seq < this.#nextSeq || (this.#started && ts + FRAME_SAMPLES <= this.#playTs))) {
      this.#onLate(stored);
      return 'late';
    }
    if (this.#packets.size === 0 && !this.#started) this.#firstArrivalMs = arrivalMs;
    if (this.#packets.size >= MAX_PACKETS) this.#dropLowest();
    this.#packets.set(seq, stored);
    return outcome;
  }

  /** Decides the next 20 ms of output; call once per frame at time `nowMs`. */
  pull(nowMs: number): JitterPull {
    const target = this.#target.update(nowMs);
    if (!this.#started && !this.#tryStart(nowMs, target)) return SILENCE;
    if (this.#packets.size === 0 && nowMs - this.#lastArrivalMs > this.#idleResetMs) {
      // Long quiet: the next talk spurt re-waits the target, so drift piled up
      // during a pause can never make its first packets look late.
      this.#started = false;
      return SILENCE;
    }
    const baseline = this.#target.estimator.baselineMs() ?? 0;
    const delay = nowMs - this.#playTs / SAMPLES_PER_MS - baseline;
    this.#lastDelayMs = delay;
    return this.#decide(delay, target);
  }

  /** Current counters and state. */
  stats(): JitterBufferStats {
    let buffered = 0;
    if (this.#started) {
      for (const p of this.#packets.values()) {
        buffered = Math.max(buffered, (p.ts + FRAME_SAMPLES - this.#playTs) / SAMPLES_PER_MS);
      }
    }
    return { ...this.#s, targetMs: this.#target.lastMs, delayMs: this.#lastDelayMs, bufferedMs: buffered };
  }

  #decide(delay: number, target: number): JitterPull {
    const p = this.#packets.get(this.#nextSeq);
    if (p) {
      const gap = p.ts - this.#playTs;
      if (gap >= FRAME_SAMPLES) return this.#gap(gap, delay, target);
      if (delay > target + HIGH_SLACK_MS) this.#overRun++;
      else this.#overRun = 0;
      const dropAfter = delay > target + BACKLOG_MS ? FAST_DROP_AFTER_PULLS : DROP_AFTER_PULLS;
      if (this.#overRun >= dropAfter && !isQuiet(p)) {
        const next = this.#packets.get(p.seq + 1);
        if (next && next.ts - p.ts === FRAME_SAMPLES) {
          this.#packets.delete(p.seq);
          this.#s.dropped++;
          this.#overRun = 0;
          return this.#play(next);
        }
      }
      return this.#play(p);
    }
    const later = this.#lowestAfter(this.#nextSeq);
    if (later) {
      if (!this.#senderQuiet) this.#catchUpSeq(later);
      if (!this.#senderQuiet && later.seq === this.#nextSeq + 1 && later.ts - this.#playTs === FRAME_SAMPLES) {
        this.#advance(1);
        this.#s.lost++;
        this.#s.fecRecovered++;
        return { kind: 'fec', nextPayload: later.payload };
      }
      if (this.#senderQuiet || later.ts <= this.#playTs) {
        // The missing packets cannot be placed in time (they fell inside a
        // pause, or their slots are already past): give them up.
        this.#s.lost += later.seq - this.#nextSeq;
        this.#nextSeq = later.seq;
        return this.#decide(delay, target);
      }
      this.#advance(1);
      this.#s.lost++;
      this.#s.concealed++;
      return CONCEAL;
    }
    if (this.#senderQuiet) return this.#quietStep(delay, target, Number.POSITIVE_INFINITY);
    if (delay < target) {
      // Running ahead of arrivals (slow sender clock, or the target just grew):
      // the packet is probably still on its way. Cover one frame and keep
      // waiting for it rather than writing it off.
      this.#s.held++;
      this.#s.concealed++;
      return CONCEAL;
    }
    this.#playTs += FRAME_SAMPLES;
    this.#s.concealed++;
    return CONCEAL;
  }

  /** Known pause before packet `nextSeq` (contiguous seq, ts jump). */
  #gap(gap: number, delay: number, target: number): JitterPull {
    if (gap > MAX_GAP_SAMPLES) {
      this.#started = false;
      this.#firstArrivalMs = Number.NEGATIVE_INFINITY; // restart at once, it already waited
      return SILENCE;
    }
    return this.#quietStep(delay, target, gap);
  }

  /** One frame of silence; the cheap moment to nudge the delay towards target. */
  #quietStep(delay: number, target: number, gap: number): JitterPull {
    if (delay < target - LOW_SLACK_MS) {
      this.#s.held++;
      return SILENCE;
    }
    if (delay > target + QUIET_SHRINK_MS && gap >= 2 * FRAME_SAMPLES) {
      this.#playTs += 2 * FRAME_SAMPLES;
      this.#s.dropped++;
      return SILENCE;
    }
    this.#playTs += FRAME_SAMPLES;
    return SILENCE;
  }

  #play(p: Stored): JitterPull {
    this.#packets.delete(p.seq);
    this.#nextSeq = p.seq + 1;
    this.#playTs = p.ts + FRAME_SAMPLES;
    this.#hasPlayed = true;
    this.#senderQuiet = isQuiet(p);
    if (p.payload.byteLength <= DTX_MAX_BYTES) return SILENCE;
    this.#s.played++;
    return { kind: 'packet', payload: p.payload };
  }

  /**
   * After concealing frames with nothing in hand, `nextSeq` lags the playout
   * point (we could not know whether those frames were lost or never sent).
   * A later packet in speech pins the seq of the current slot, assuming one
   * seq per frame: everything before it is lost. This keeps the FEC check
   * below aligned when a burst ends.
   */
  #catchUpSeq(later: Stored): void {
    const framesAhead = (later.ts - this.#playTs) / FRAME_SAMPLES;
    if (!Number.isInteger(framesAhead) || framesAhead < 1) return;
    const slotSeq = later.seq - framesAhead;
    if (slotSeq <= this.#nextSeq) return;
    this.#s.lost += slotSeq - this.#nextSeq;
    this.#nextSeq = slotSeq;
  }

  #advance(frames: number): void {
    this.#nextSeq += frames;
    this.#playTs += frames * FRAME_SAMPLES;
  }

  #tryStart(nowMs: number, target: number): boolean {
    if (this.#packets.size === 0 || nowMs - this.#firstArrivalMs < target) return false;
    let newestTs = Number.NEGATIVE_INFINITY;
    for (const p of this.#packets.values()) newestTs = Math.max(newestTs, p.ts);
    // After a stall a backlog may be waiting; keep only about a target's worth.
    const keepSamples = (target + 2 * FRAME_MS) * SAMPLES_PER_MS;
    let first = this.#lowestAfter(Number.NEGATIVE_INFINITY)!;
    while (newestTs + FRAME_SAMPLES - first.ts > keepSamples) {
      this.#packets.delete(first.seq);
      this.#s.dropped++;
      first = this.#lowestAfter(first.seq)!;
    }
    if (this.#hasPlayed) this.#s.lost += Math.max(0, first.seq - this.#nextSeq);
    this.#started = true;
    this.#hasPlayed = true;
    this.#nextSeq = first.seq;
    this.#playTs = first.ts;
    this.#senderQuiet = false;
    this.#overRun = 0;
    return true;
  }

  #onLate(p: Stored): void {
    this.#s.late++;
    if (p.seq < this.#nextSeq) return; // already counted as lost when skipped
    // Its slot has passed by ts: everything up to it is gone, but a late End or
    // DTX frame still tells us the sender went quiet.
    this.#s.lost += p.seq - this.#nextSeq + 1;
    for (let s = this.#nextSeq; s <= p.seq; s++) this.#packets.delete(s);
    this.#nextSeq = p.seq + 1;
    if (isQuiet(p)) this.#senderQuiet = true;
  }

  #lowestAfter(seq: number): Stored | undefined {
    let best: Stored | undefined;
    for (const p of this.#packets.values()) {
      if (p.seq > seq && (!best || p.seq < best.seq)) best = p;
    }
    return best;
  }

  #dropLowest(): void {
    const lowest = this.#lowestAfter(Number.NEGATIVE_INFINITY);
    if (lowest) {
      this.#packets.delete(lowest.seq);
      this.#s.dropped++;
    }
  }

  /** The sender restarted (new counters): forget its stream but keep the stats. */
  #restartStream(): void {
    this.#packets.clear();
    this.#seen.fill(-1);
    this.#target.estimator.clear();
    this.#seqU.reset();
    this.#tsU.reset();
    this.#started = false;
    this.#hasPlayed = false;
    this.#senderQuiet = false;
  }
}
