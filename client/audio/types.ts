/**
 * Contract between the session layer (main thread) and the audio engine.
 *
 * The engine owns the AudioContext, the microphone, the capture worklet
 * (frames + Opus encode off the main thread) and the playback worklet
 * (per-sender jitter buffer, Opus decode with FEC/PLC, mixer, limiter).
 * The main thread only shuttles datagram bytes between the engine and the
 * RTCDataChannel.
 */

/** How the local user transmits. */
export type TransmitMode = 'continuous' | 'push-to-talk' | 'voice-activation' | 'muted';

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
  /** A fatal or user-visible audio problem (no microphone, permission denied...). */
  error: (error: AudioEngineError) => void;
}

export type AudioEngineErrorCode = 'mic-permission-denied' | 'mic-unavailable' | 'audio-context-failed' | 'worklet-failed';

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
  /** Input device id from enumerateDevices(); default device when absent. */
  readonly inputDeviceId?: string;
}

/** What the session needs from the audio engine. */
export interface AudioEngine {
  /** Starts capture and playback. Must be called from a user gesture on real browsers (autoplay policy). */
  start(options?: AudioEngineStartOptions): Promise<void>;
  /** Gates sending: when false the capture side sends nothing but keep-alives. */
  setTransmitting(on: boolean): void;
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
