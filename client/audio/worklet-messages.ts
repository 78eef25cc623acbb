/**
 * Messages between the main thread (engine.ts) and the two AudioWorklet
 * processors, over each AudioWorkletNode's MessagePort. Every union member
 * says who sends it and when. Byte payloads travel as transferables (the
 * sender gives up its buffer), so a datagram is never copied twice.
 *
 * This module is imported on both sides: types and constants only, no DOM.
 */
import type { CaptureStats } from './capture-core.ts';
import type { JitterBufferStats } from './jitter-buffer.ts';
import type { GateConfig } from './transmit-gate.ts';

/** `registerProcessor` name of the capture processor. */
export const CAPTURE_PROCESSOR = 'parley-capture';
/** `registerProcessor` name of the playback processor. */
export const PLAYBACK_PROCESSOR = 'parley-playback';

/** `processorOptions` of the capture AudioWorkletNode. */
export interface CaptureProcessorOptions {
  /** First datagram seq (u32, random per session). */
  readonly seq: number;
  /** First datagram ts (u32, random per session). */
  readonly ts: number;
  /** Gate configuration at start. */
  readonly gate: GateConfig;
  /** Expected packet loss at start, percent. */
  readonly expectedLossPercent: number;
}

/** Main thread → capture processor. */
export type CaptureCommand =
  /** Changes the send gate (mode, push-to-talk, voice activation). Closing sends one End packet. */
  | { readonly type: 'set-gate'; readonly gate: Partial<GateConfig> }
  /** Expected packet loss for the encoder's FEC, percent (`engine.setExpectedLoss`). */
  | { readonly type: 'set-expected-loss'; readonly percent: number }
  /** Record the next `samples` input samples; answered by `recording` with the same id. */
  | { readonly type: 'record'; readonly id: number; readonly samples: number }
  /** Asks for counters; answered by a `stats` event with the same id. */
  | { readonly type: 'get-stats'; readonly id: number }
  /** Frees the encoder and stops producing anything (`engine.close`). */
  | { readonly type: 'close' };

/** Counters reported by the capture processor. */
export interface CaptureWorkletStats extends CaptureStats {
  /** Whether the Opus encoder is loaded. (`encodeMs` is measured with Date.now(), the only clock in the worklet scope: unbiased over many frames, not per frame.) */
  readonly encoderReady: boolean;
}

/** Capture processor → main thread. */
export type CaptureEvent =
  /** One uplink datagram (voice or keep-alive) to send; `bytes` owns its buffer (transferred). */
  | { readonly type: 'datagram'; readonly bytes: Uint8Array }
  /** Every 100 ms: input level 0..1 (dB scale) and whether the gate is open. */
  | { readonly type: 'level'; readonly level: number; readonly transmitting: boolean }
  /** The Opus encoder is loaded; voice can flow from now on. */
  | { readonly type: 'ready' }
  /** The Opus encoder failed to load; only keep-alives will be sent. */
  | { readonly type: 'error'; readonly message: string }
  /** Answer to `get-stats`. */
  | { readonly type: 'stats'; readonly id: number; readonly stats: CaptureWorkletStats }
  /** A requested input recording; `startMs` is the audio-clock time of its first sample. */
  | { readonly type: 'recording'; readonly id: number; readonly samples: Float32Array; readonly startMs: number }
  /** Recordings dropped because the processor closed. */
  | { readonly type: 'recordings-cancelled'; readonly ids: readonly number[] };

/** Main thread → playback processor. */
export type PlaybackCommand =
  /** One downlink datagram as received from the relay (`engine.receive`); buffer transferred. */
  | { readonly type: 'datagram'; readonly bytes: Uint8Array }
  /** Current relay room number; voice for other rooms is dropped, all senders forgotten on change. */
  | { readonly type: 'set-room'; readonly room: number | null }
  /** A sender left: free its decoder and jitter buffer. */
  | { readonly type: 'remove-sender'; readonly sender: number }
  /** A downlink datagram made locally (microphone test): played without the room check. */
  | { readonly type: 'local-datagram'; readonly bytes: Uint8Array }
  /** Per-sender playback gain (linear; 1 = unchanged, 0 = locally muted, up to 2). Per-user volume. */
  | { readonly type: 'set-sender-volume'; readonly sender: number; readonly gain: number }
  /** Master output volume (linear, 0..2). */
  | { readonly type: 'set-output-volume'; readonly volume: number }
  /** Master deafen: output zeros. */
  | { readonly type: 'set-deafened'; readonly on: boolean }
  /** Record the next `samples` output samples; answered by `recording` with the same id. */
  | { readonly type: 'record'; readonly id: number; readonly samples: number }
  /** Asks for counters; answered by a `stats` event with the same id. */
  | { readonly type: 'get-stats'; readonly id: number }
  /** Frees every decoder, cancels recordings, outputs silence from now on. */
  | { readonly type: 'close' };

/** Per-sender counters reported by the playback processor (jitter buffer + decoder). */
export interface PlaybackSenderStats extends JitterBufferStats {
  readonly sender: number;
  readonly gain: number;
  readonly lastSource: string;
  readonly decodeErrors: number;
  readonly decodeCalls: number;
  readonly decodeMs: number;
}

/** Counters reported by the playback processor. */
export interface PlaybackWorkletStats {
  readonly room: number | null;
  readonly senders: readonly PlaybackSenderStats[];
  readonly malformed: number;
  readonly wrongRoom: number;
  readonly frames: number;
  /** Sum of frame production times (pull + decode + mix + limit), ms; Date.now() based like encodeMs. */
  readonly mixMs: number;
  readonly limiterGain: number;
}

/** Playback processor → main thread. */
export type PlaybackEvent =
  /** Talking state of every known sender; sent at most every ~50 ms and only on change. */
  | { readonly type: 'talking'; readonly talking: ReadonlyMap<number, boolean> }
  /** A requested recording; `samples` owns its buffer (transferred); `startMs` is the audio-clock time of its first sample. */
  | { readonly type: 'recording'; readonly id: number; readonly samples: Float32Array; readonly startMs: number }
  /** Every 2 s: fraction of packets lost (0..1) per sender heard in that interval. */
  | { readonly type: 'loss'; readonly loss: ReadonlyMap<number, number> }
  /** Recordings dropped because the processor closed. */
  | { readonly type: 'recordings-cancelled'; readonly ids: readonly number[] }
  /** A decoder could not be created; that sender stays silent. */
  | { readonly type: 'error'; readonly message: string }
  /** Answer to `get-stats`. */
  | { readonly type: 'stats'; readonly id: number; readonly stats: PlaybackWorkletStats };
