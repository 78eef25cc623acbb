/**
 * Contract between the session layer (main thread) and the audio engine.
 *
 * The engine owns the AudioContext, the microphone, the capture worklet
 * (frames + Opus encode off the main thread) and the playback worklet
 * (per-sender jitter buffer, Opus decode with FEC/PLC, mixer, limiter).
 * The main thread only shuttles datagram bytes between the engine and the
 * RTCDataChannel.
 */

import type { GateConfig, TransmitMode } from './transmit-gate.ts';

/** Transmit-gate settings and modes (defined beside the gate, in transmit-gate.ts). */
export type { GateConfig, TransmitMode };

/** A recording tap's result, with the time of its first sample. */
export interface TimedRecording {
  readonly samples: Float32Array;
  /** Audio-clock time of the first sample, ms. */
  readonly contextMs: number;
  /**
   * When the first sample was rendered, on the machine-wide wall clock
   * `performance.timeOrigin + performance.now()` (ms); null if unknown.
   */
  readonly wallMs: number | null;
}

/** An encoded uplink datagram ready for the DataChannel (already framed by proto/datagram.ts). */
export type UplinkDatagram = Uint8Array;

/** Events the engine raises, typed. */
export interface AudioEngineEvents {
  /** One uplink datagram (voice or keep-alive) to send unreliably. */
  datagram: (bytes: UplinkDatagram) => void;
  /** ~10 Hz: local input level (0..1, RMS on a log-ish scale) and whether we are sending. */
  inputLevel: (level: number, transmitting: boolean) => void;
  /** Talking state per remote sender session id, from what is actually being played. */
  talking: (talking: ReadonlyMap<number, boolean>) => void;
  /** Every ~2 s: fraction of packets lost (0..1) per remote sender heard in that interval. */
  receiveLoss: (loss: ReadonlyMap<number, number>) => void;
  /** A fatal or user-visible audio problem (no microphone, permission denied...). */
  error: (error: AudioEngineError) => void;
}

export type AudioEngineErrorCode =
  | 'mic-permission-denied'
  | 'mic-unavailable'
  | 'audio-context-failed'
  | 'worklet-failed'
  /** The browser cannot route output to a chosen device (no `AudioContext.setSinkId`). */
  | 'output-device-unsupported'
  /** The chosen output device refused (gone, or not allowed). */
  | 'output-device-failed';

/** Typed error with a code the UI maps to plain language. */
export class AudioEngineError extends Error {
  readonly code: AudioEngineErrorCode;
  constructor(code: AudioEngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioEngineError';
    this.code = code;
  }
}

/** Options for starting the engine. */
export interface AudioEngineStartOptions {
  /** Input device id from enumerateDevices(); default device when absent (or when this one is gone). */
  readonly inputDeviceId?: string;
}

/** Microphone test: what you send is also played to you locally, and sent to nobody. */
export const MIC_TEST_SENDER = 0xffffffff;

/** What the session needs from the audio engine. */
export interface AudioEngine {
  /** Starts capture and playback. Must be called from a user gesture on real browsers (autoplay policy). */
  start(options?: AudioEngineStartOptions): Promise<void>;
  /** Shorthand for `configureGate({ mode: on ? 'continuous' : 'muted' })`. */
  setTransmitting(on: boolean): void;
  /** Changes the transmit gate: mode, push-to-talk held, voice-activation threshold (dBFS) and hang (ms). */
  configureGate(patch: Partial<GateConfig>): void;
  /** Expected packet loss, percent, that sizes the encoder's in-band FEC. */
  setExpectedLoss(percent: number): void;
  /** Microphone gain before metering and encoding (linear, 0..4). */
  setInputGain(gain: number): void;
  /** Master playback volume (linear, 0..2). */
  setOutputVolume(volume: number): void;
  /** Per-sender playback gain (linear; 1 = unchanged, 0 = muted locally, up to 2). */
  setSenderVolume(sessionId: number, gain: number): void;
  /** Switches the microphone (null = default device). Rejects with an AudioEngineError; the old one stays on then. */
  setInputDevice(deviceId: string | null): Promise<void>;
  /** Routes playback to a device (null = default). Rejects with `output-device-unsupported` or `output-device-failed`. */
  setOutputDevice(deviceId: string | null): Promise<void>;
  /** Microphone test: loop what the gate lets through back to the local output, send nothing. */
  setMicTest(on: boolean): void;
  /** Deafen: playback outputs silence. */
  setDeafened(on: boolean): void;
  /** Feeds one downlink datagram (bytes as received from the relay). */
  receive(bytes: Uint8Array): void;
  /** Tells the playback side which relay room number is current; voice stamped with any other room is dropped. */
  setRoom(voiceId: number): void;
  /** Forgets a sender (left the room): frees its decoder and jitter buffer. */
  removeSender(sessionId: number): void;
  on<K extends keyof AudioEngineEvents>(event: K, listener: AudioEngineEvents[K]): () => void;
  /**
   * Records what the playback path actually outputs (after mixing, limiter,
   * deafen) for `ms` milliseconds. Used by tests and the voice benchmark.
   */
  recordOutput(ms: number): Promise<Float32Array>;
  /** Stops everything and releases the microphone. */
  close(): Promise<void>;
}
