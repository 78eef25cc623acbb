/**
 * What the audio engine should be doing, derived from the session State
 * (pure), and the adapter that applies only what changed. The session calls
 * `apply` after every state change, so the engine can never disagree with
 * what the UI shows.
 *
 * Gate rules: mute or deafen → `muted`; otherwise the chosen mode. The
 * microphone test overrides both so the user can hear themselves: it keeps
 * voice activation (to tune the threshold by ear) and is continuous
 * otherwise. Per-user volumes are stored by identity key and applied per
 * session id of whoever is present with that key.
 */
import type { AudioEngine, TransmitMode } from '../../audio/types.ts';
import type { State } from '../state.ts';

/** The engine-facing view of the state. */
export interface EngineView {
  readonly mode: TransmitMode;
  readonly pttDown: boolean;
  readonly thresholdDb: number;
  readonly hangMs: number;
  readonly inputGain: number;
  readonly outputVolume: number;
  readonly deafened: boolean;
  readonly micTest: boolean;
  readonly expectedLossPct: number;
  /** Playback gain per present remote session id. */
  readonly senderVolumes: ReadonlyMap<number, number>;
}

/** Derives the engine view from a state snapshot. */
export function engineView(state: State): EngineView {
  const s = state.voiceSettings;
  let mode: TransmitMode = state.muted || state.deafened ? 'muted' : s.transmitMode;
  if (state.micTest) mode = s.transmitMode === 'voice-activation' ? 'voice-activation' : 'continuous';
  const senderVolumes = new Map<number, number>();
  for (const u of state.users) {
    if (u.sessionId !== state.selfSessionId) senderVolumes.set(u.sessionId, s.userVolumes[u.publicKeyHex] ?? 1);
  }
  return {
    mode,
    pttDown: state.pttDown,
    thresholdDb: s.vadThresholdDb,
    hangMs: s.vadHangMs,
    inputGain: s.inputGain,
    outputVolume: s.outputVolume,
    deafened: state.deafened,
    micTest: state.micTest,
    expectedLossPct: state.expectedLossPct,
    senderVolumes,
  };
}

/** Applies engine views, calling only the setters whose inputs changed. */
export class EngineSync {
  #last: EngineView | null = null;

  /** Forgets what was applied (a new engine starts from its defaults). */
  reset(): void {
    this.#last = null;
  }

  apply(engine: AudioEngine, view: EngineView): void {
    const last = this.#last;
    this.#last = view;
    if (!last || last.mode !== view.mode || last.pttDown !== view.pttDown || last.thresholdDb !== view.thresholdDb || last.hangMs !== view.hangMs) {
      engine.configureGate({ mode: view.mode, pttDown: view.pttDown, thresholdDb: view.thresholdDb, hangMs: view.hangMs });
    }
    if (!last || last.inputGain !== view.inputGain) engine.setInputGain(view.inputGain);
    if (!last || last.outputVolume !== view.outputVolume) engine.setOutputVolume(view.outputVolume);
    if (!last || last.deafened !== view.deafened) engine.setDeafened(view.deafened);
    if (!last || last.micTest !== view.micTest) engine.setMicTest(view.micTest);
    if (!last || last.expectedLossPct !== view.expectedLossPct) engine.setExpectedLoss(view.expectedLossPct);
    for (const [id, gain] of view.senderVolumes) {
      if (last?.senderVolumes.get(id) !== gain) engine.setSenderVolume(id, gain);
    }
  }
}
