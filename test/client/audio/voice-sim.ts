/**
 * Deterministic sender/network/receiver simulation for jitter-buffer tests:
 * a sender emitting one packet per 20 ms of its own (possibly drifting)
 * clock, a network with seeded jitter, loss and reordering, and a receiver
 * pulling every 20 ms of its clock. No timers: time is just numbers.
 */
import type { JitterBuffer, JitterPacket, JitterPull } from '../../../client/audio/jitter-buffer.ts';

export { mulberry32 } from '../../../client/session/voice/seeded-random.ts';

/** A packet plus when it reaches the receiver. */
export interface SimPacket extends JitterPacket {
  readonly arrivalMs: number;
  /** Frame index in the sender's stream (0-based), for assertions. */
  readonly index: number;
}

/** A 20-byte payload carrying `index`, so tests can see which frame played. */
export function payloadFor(index: number, bytes = 20): Uint8Array {
  const p = new Uint8Array(bytes);
  new DataView(p.buffer).setUint32(0, index >>> 0);
  return p;
}

/** Frame index stored by {@link payloadFor}. */
export function indexOf(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

/** Sender and network description. */
export interface StreamSpec {
  readonly frames: number;
  readonly seq0?: number;
  readonly ts0?: number;
  /** Sender clock speed relative to the receiver's (1.001 = sender 0.1 % fast). */
  readonly clockRatio?: number;
  /** Constant one-way delay, ms; default 30. */
  readonly baseDelayMs?: number;
  /** Extra delay of frame i, ms; default 0. */
  readonly jitterMs?: (index: number) => number;
  /** Whether frame i is lost in the network. */
  readonly drop?: (index: number) => boolean;
  /** Sender time of frame 0, receiver ms; default 0. */
  readonly startMs?: number;
  /**
   * Override per frame: `{ skip: true }` means the sender did not send it
   * (DTX) while its ts still advanced; `payload` and `flags` replace the defaults.
   */
  readonly shape?: (index: number) => { skip?: boolean; payload?: Uint8Array; flags?: number } | undefined;
  /** Flag the last frame End, as a sender that stops transmitting does; default true. */
  readonly endFlag?: boolean;
}

/** All packets the receiver gets, sorted by arrival. Seq counts only sent frames. */
export function senderStream(spec: StreamSpec): SimPacket[] {
  const out: SimPacket[] = [];
  const period = 20 / (spec.clockRatio ?? 1);
  let seq = spec.seq0 ?? 0;
  for (let i = 0; i < spec.frames; i++) {
    const shape = spec.shape?.(i);
    if (shape?.skip) continue;
    const thisSeq = seq;
    seq = (seq + 1) >>> 0;
    if (spec.drop?.(i)) continue;
    const sentMs = (spec.startMs ?? 0) + (i + 1) * period; // sent when the frame is complete
    out.push({
      index: i,
      seq: thisSeq >>> 0,
      ts: ((spec.ts0 ?? 0) + i * 960) >>> 0,
      flags: shape?.flags ?? (i === spec.frames - 1 && spec.endFlag !== false ? 0x02 : 0),
      payload: shape?.payload ?? payloadFor(i),
      arrivalMs: sentMs + (spec.baseDelayMs ?? 30) + (spec.jitterMs?.(i) ?? 0),
    });
  }
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}

/** One pull and the state right after it. */
export interface PullRecord {
  readonly atMs: number;
  readonly result: JitterPull;
  readonly targetMs: number;
  readonly delayMs: number;
  readonly bufferedMs: number;
}

/** What a pull played, as a frame index or the kind ('fec' gives the index of the packet used). */
export function describe(r: JitterPull): string {
  if (r.kind === 'packet') return `p${indexOf(r.payload)}`;
  if (r.kind === 'fec') return `f${indexOf(r.nextPayload)}`;
  return r.kind;
}

/**
 * Runs the receiver: pulls every `periodMs` from `startMs` until `endMs`,
 * inserting each packet just before the first pull at or after its arrival.
 */
export function playOut(
  jb: JitterBuffer,
  packets: readonly SimPacket[],
  opts: { startMs: number; endMs: number; periodMs?: number; onInsert?: (p: SimPacket, outcome: string) => void },
): PullRecord[] {
  const period = opts.periodMs ?? 20;
  const records: PullRecord[] = [];
  let next = 0;
  for (let t = opts.startMs; t <= opts.endMs; t += period) {
    while (next < packets.length && packets[next]!.arrivalMs <= t) {
      const p = packets[next++]!;
      const outcome = jb.insert(p, p.arrivalMs);
      opts.onInsert?.(p, outcome);
    }
    const result = jb.pull(t);
    const s = jb.stats();
    records.push({ atMs: t, result, targetMs: s.targetMs, delayMs: s.delayMs, bufferedMs: s.bufferedMs });
  }
  return records;
}

/** Frame indices played as packets, in order. */
export function playedIndices(records: readonly PullRecord[]): number[] {
  return records.flatMap((r) => (r.result.kind === 'packet' ? [indexOf(r.result.payload)] : []));
}
