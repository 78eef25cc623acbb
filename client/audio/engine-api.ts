/**
 * The engine's construction options and its full surface beyond the
 * session contract (diagnostics and timed recording taps).
 */
import type { GetUserMedia } from './microphone.ts';
import type { AudioEngine, TimedRecording } from './types.ts';
import type { CaptureWorkletStats, PlaybackWorkletStats } from './worklet-messages.ts';

/** Injected adapters; every field defaults to the real browser API. */
export interface AudioEngineDeps {
  /** Creates the context; default `new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' })`. */
  readonly createContext?: () => AudioContext;
  /** Default `navigator.mediaDevices.getUserMedia`. */
  readonly getUserMedia?: GetUserMedia;
  /**
   * URL of the worklet module (audio.worklet.ts or its build); default the
   * Vite-bundled one. Set it where Vite does not build the page (web-test-runner).
   */
  readonly workletUrl?: string;
  /** Source of the random initial datagram seq/ts (u32); default `crypto.getRandomValues`. */
  readonly randomU32?: () => number;
  /** Where exceptions thrown by event listeners go; default `console.error`. */
  readonly onListenerError?: (error: unknown, event: string) => void;
}

/** Snapshot of both worklets' counters. */
export interface AudioEngineStats {
  readonly capture: CaptureWorkletStats;
  readonly playback: PlaybackWorkletStats;
  /** AudioContext.baseLatency, s. */
  readonly baseLatency: number;
  /** AudioContext.outputLatency, s (0 where unsupported). */
  readonly outputLatency: number;
  /** Label of the microphone in use ('' if none). */
  readonly inputLabel: string;
}

/** {@link AudioEngine} plus diagnostics. */
export interface ParleyAudioEngine extends AudioEngine {
  /** Counters of capture (encode) and playback (jitter buffers, decode, mix). */
  getStats(): Promise<AudioEngineStats>;
  /**
   * Records `ms` of what enters the capture worklet (`input`, after the
   * input gain) or leaves the playback worklet (`output`), with the time of
   * the first sample on the machine-wide wall clock. The voice benchmark
   * measures mouth-to-ear delay with it.
   */
  recordTimed(tap: 'input' | 'output', ms: number): Promise<TimedRecording>;
}
