/**
 * Turns one encoded 20 ms frame (or nothing) into the uplink datagram to
 * send (or nothing), owning the sender side of the datagram contract:
 *
 * - `ts` advances 960 every frame, sending or not, so receivers can tell a
 *   pause (contiguous seq, ts jump) from loss (seq gap);
 * - `seq` advances only per voice datagram sent;
 * - Marker on the first packet after transmit starts and on the first real
 *   packet after a DTX stretch; End on the last packet before transmit stops;
 * - of a run of DTX frames (TOC-only payloads, see DTX_MAX_BYTES) only the
 *   first is sent: it tells receivers "silence from here", so they play
 *   zeros instead of concealing; libopus's own comfort-noise refresh packets
 *   (every ~400 ms during DTX) are sent like any other packet;
 * - a 1-byte keep-alive goes out whenever nothing else was sent for
 *   `keepaliveFrames` frames (transmit off, or a long DTX stretch), so the
 *   relay and NAT keep the datagram path open.
 */
import { encodeKeepalive, encodeVoice, VoiceFlags } from '../../proto/datagram.ts';
import { DTX_MAX_BYTES, FRAME_SAMPLES } from './voice-format.ts';

/** Options for {@link UplinkFramer}. */
export interface UplinkFramerOptions {
  /** First `seq` (u32); pick it at random per session. */
  readonly seq: number;
  /** First `ts` (u32); pick it at random per session. */
  readonly ts: number;
  /** Frames without any datagram before a keep-alive is sent; default 100 (2 s). */
  readonly keepaliveFrames?: number;
}

/** Sender-side state machine for seq, ts, flags and keep-alives. */
export class UplinkFramer {
  readonly #keepaliveFrames: number;
  #seq: number;
  #ts: number;
  #transmitting = false;
  #endPending = false;
  #startPending = false;
  #afterDtx = false;
  #dtxSignalled = false;
  #sentThisSpurt = false;
  #framesSinceSend = 0;

  constructor(options: UplinkFramerOptions) {
    this.#seq = options.seq >>> 0;
    this.#ts = options.ts >>> 0;
    this.#keepaliveFrames = options.keepaliveFrames ?? 100;
    // Announce the datagram path right away instead of after the first interval.
    this.#framesSinceSend = this.#keepaliveFrames;
  }

  /** Whether the gate is open. */
  get transmitting(): boolean {
    return this.#transmitting;
  }

  /** Whether the next frame should be encoded (gate open, or the End packet is still owed). */
  get wantsAudio(): boolean {
    return this.#transmitting || this.#endPending;
  }

  /** `seq` the next voice datagram will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** `ts` of the next frame. */
  get nextTs(): number {
    return this.#ts;
  }

  /** Opens or closes the gate. Closing owes one more packet flagged End. */
  setTransmitting(on: boolean): void {
    if (on === this.#transmitting) return;
    this.#transmitting = on;
    if (on) {
      this.#startPending = true;
      this.#endPending = false;
      this.#afterDtx = false;
      this.#dtxSignalled = false;
      this.#sentThisSpurt = false;
    } else {
      this.#endPending = this.#sentThisSpurt;
    }
  }

  /**
   * Advances one 20 ms frame. `payload` is the Opus packet for this frame if
   * one was encoded (null if not: gate closed, encoder not ready or failed);
   * `inDtx` is the encoder's DTX state after encoding it.
   * Returns the datagram to send, or null.
   */
  frame(payload: Uint8Array | null, inDtx = false): Uint8Array | null {
    const ts = this.#ts;
    this.#ts = (this.#ts + FRAME_SAMPLES) >>> 0;
    let out: Uint8Array | null = null;
    if (this.#endPending) {
      this.#endPending = false;
      if (payload) out = this.#voice(ts, payload, VoiceFlags.End);
    } else if (this.#transmitting && payload) {
      out = this.#transmitFrame(ts, payload, inDtx);
    }
    if (out) {
      this.#framesSinceSend = 0;
      return out;
    }
    if (++this.#framesSinceSend >= this.#keepaliveFrames) {
      this.#framesSinceSend = 0;
      return encodeKeepalive();
    }
    return null;
  }

  #transmitFrame(ts: number, payload: Uint8Array, inDtx: boolean): Uint8Array | null {
    if (payload.byteLength <= DTX_MAX_BYTES) {
      if (this.#dtxSignalled) return null;
      this.#dtxSignalled = true;
      this.#afterDtx = true;
      return this.#voice(ts, payload, 0);
    }
    this.#dtxSignalled = false;
    // A comfort-noise refresh (encoder still in DTX) is not a talk spurt.
    const spurtStart = this.#afterDtx && !inDtx;
    if (spurtStart) this.#afterDtx = false;
    return this.#voice(ts, payload, spurtStart ? VoiceFlags.Marker : 0);
  }

  #voice(ts: number, payload: Uint8Array, flags: number): Uint8Array {
    if (this.#startPending) {
      flags |= VoiceFlags.Marker;
      this.#startPending = false;
    }
    const bytes = encodeVoice({ seq: this.#seq, ts, flags, payload });
    this.#seq = (this.#seq + 1) >>> 0;
    this.#sentThisSpurt = true;
    return bytes;
  }
}
