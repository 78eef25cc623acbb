/**
 * The send gate: decides, once per 20 ms frame, whether the microphone is
 * on the air. Pure; time is counted in frames fed.
 *
 * - `continuous`: always open.
 * - `push-to-talk`: open while the key or button is held (`pttDown`).
 * - `voice-activation`: open while the input is louder than the threshold,
 *   and for the hang time after it drops below (so the gate does not chop
 *   the quiet ends of words or the gaps between them).
 * - `muted`: never open (mute, deafen, or not allowed to talk).
 *
 * The activity detector runs in every mode, so the settings panel can show
 * "would open now" while the user tunes the threshold in any mode.
 */
import { ActivityDetector, energy } from './voice-activity.ts';

/**
 * How the local user transmits; `muted` is what mute and deafen put the gate in.
 * Defined here, beside the gate it drives; `types.ts` re-exports it for the engine contract.
 */
export type TransmitMode = 'continuous' | 'push-to-talk' | 'voice-activation' | 'muted';

/** Everything that decides the gate. */
export interface GateConfig {
  readonly mode: TransmitMode;
  /** Push-to-talk key or button held. */
  readonly pttDown: boolean;
  /** Voice-activation threshold, dBFS of the 60 ms RMS (e.g. -45). */
  readonly thresholdDb: number;
  /** Voice-activation hang time, ms. */
  readonly hangMs: number;
}

/** Gate defaults: continuous, -45 dBFS, 400 ms hang. */
export const DEFAULT_GATE: GateConfig = Object.freeze({ mode: 'continuous', pttDown: false, thresholdDb: -45, hangMs: 400 });

/** RMS window of the voice-activation detector, ms: short enough to open within 2-3 frames. */
const VAD_WINDOW_MS = 60;

const dbToRms = (db: number): number => 10 ** (db / 20);

/** Transmission-mode state machine for the capture side. */
export class TransmitGate {
  #config: GateConfig = DEFAULT_GATE;
  readonly #vad: ActivityDetector;
  #open = false;

  constructor(config: Partial<GateConfig> = {}) {
    this.#vad = new ActivityDetector({ windowMs: VAD_WINDOW_MS });
    this.configure(config);
  }

  /** Current configuration. */
  get config(): GateConfig {
    return this.#config;
  }

  /** Whether the gate was open after the last frame. */
  get open(): boolean {
    return this.#open;
  }

  /** Whether the voice-activation detector (threshold + hang) was active after the last frame, in any mode. */
  get voiceActive(): boolean {
    return this.#vad.active;
  }

  /** Changes any part of the configuration; takes effect at once for mode and PTT. */
  configure(patch: Partial<GateConfig>): void {
    const next = { ...this.#config, ...patch };
    this.#config = next;
    this.#vad.setThresholdRms(dbToRms(next.thresholdDb));
    this.#vad.setHangMs(Math.max(0, next.hangMs));
    this.#open = this.#decide();
  }

  /** Feeds one frame of input (silence when no microphone); returns whether the gate is open. */
  update(frame: Float32Array | undefined, samples = frame?.length ?? 0): boolean {
    this.#vad.update(frame ? energy(frame) : 0, samples);
    this.#open = this.#decide();
    return this.#open;
  }

  #decide(): boolean {
    switch (this.#config.mode) {
      case 'continuous':
        return true;
      case 'push-to-talk':
        return this.#config.pttDown;
      case 'voice-activation':
        return this.#vad.active;
      case 'muted':
        return false;
    }
  }
}
