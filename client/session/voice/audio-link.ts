/**
 * The session's side of the audio engine: creates it, turns its events into
 * state, attaches it to the voice path (voice-path.ts: datagrams go straight
 * to and from the voice transport, through the network simulator), keeps it
 * in line with the state (engine-sync.ts), switches devices, and runs the
 * loss-report loop that sizes the sender's FEC.
 *
 * It changes state only through the host's `set` (the session's one choke
 * point) and never talks to the relay except through the host.
 */
import type { EnvelopeInit } from '../../../proto/index.ts';
import type { AudioEngine } from '../../audio/types.ts';
import { toDeviceList } from './devices.ts';
import type { DeviceSource } from './devices.ts';
import { EngineSync, engineView } from './engine-sync.ts';
import { SessionError } from '../errors.ts';
import { LossFeedback } from './loss-feedback.ts';
import type { State, VoiceCommand } from '../state.ts';
import type { VoicePath } from './voice-path.ts';
import type { VoiceSettings } from './voice-settings.ts';

/** What the link needs from the session. */
export interface AudioLinkHost {
  readonly state: State;
  set(next: State): void;
  sendControl(msg: EnvelopeInit): void;
}

/** Adapters of the link. */
export interface AudioLinkDeps {
  readonly createAudio: () => AudioEngine;
  /** Where the engine's datagrams go and the relay's come from (shared with the VoiceLink). */
  readonly path: VoicePath;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly now: () => number;
  readonly devices: DeviceSource | null;
  readonly canChooseOutput: boolean;
}

/** Levels above this count the local user as talking (meter scale 0..1, about -45 dBFS). */
const SELF_TALKING_LEVEL = 0.25;

/** Engine lifecycle and state wiring. */
export class AudioLink {
  readonly #host: AudioLinkHost;
  readonly #deps: AudioLinkDeps;
  readonly #sync = new EngineSync();
  readonly #feedback = new LossFeedback();
  #audio: AudioEngine | null = null;
  #unsubs: Array<() => void> = [];
  #remoteTalking = new Set<number>();
  #stopDeviceWatch: (() => void) | null = null;

  constructor(host: AudioLinkHost, deps: AudioLinkDeps) {
    this.#host = host;
    this.#deps = deps;
  }

  /** The running engine, if any. */
  get engine(): AudioEngine | null {
    return this.#audio;
  }

  /** Creates and starts the engine (inside the user's gesture); no-op if running. */
  start(): void {
    if (this.#audio) return;
    const audio = this.#deps.createAudio();
    this.#audio = audio;
    this.#sync.reset();
    const host = this.#host;
    host.set({ ...host.state, voice: { status: 'starting', error: null } });
    this.#unsubs = [
      this.#deps.path.attachEngine(audio),
      audio.on('inputLevel', (level, transmitting) => this.#onLevel(level, transmitting)),
      audio.on('talking', (map) => {
        this.#remoteTalking = new Set([...map].filter(([, on]) => on).map(([id]) => id));
        this.#publishTalking(host.state.talking.has(host.state.selfSessionId ?? -1));
      }),
      audio.on('receiveLoss', (loss) => this.#onReceiveLoss(loss)),
      audio.on('error', (e) => {
        if (e.code === 'output-device-unsupported' || e.code === 'output-device-failed') {
          this.#notice(e);
          return;
        }
        // A missing or refused microphone leaves playback running: listen-only, not failed.
        const listenOnly = e.code === 'mic-permission-denied' || e.code === 'mic-unavailable';
        const error = new SessionError(listenOnly ? e.code : 'voice-failed', e.message, { cause: e });
        host.set({ ...host.state, voice: { status: listenOnly ? host.state.voice.status : 'failed', error } });
      }),
    ];
    this.sync();
    const inputDeviceId = host.state.voiceSettings.inputDeviceId;
    audio.setOutputDevice(host.state.voiceSettings.outputDeviceId).catch((e: unknown) => this.#notice(e));
    audio.start(inputDeviceId ? { inputDeviceId } : {}).then(
      () => this.refreshDevices(),
      (e: unknown) => host.set({ ...host.state, voice: { status: 'failed', error: new SessionError('voice-failed', String(e), { cause: e }) } }),
    );
    if (this.#deps.devices && !this.#stopDeviceWatch) this.#stopDeviceWatch = this.#deps.devices.onChange(() => this.refreshDevices());
  }

  /** Applies the current state to the engine (called after every state change). */
  sync(): void {
    if (this.#audio) this.#sync.apply(this.#audio, engineView(this.#host.state));
  }

  setRoom(voiceId: number): void {
    this.#feedback.clear();
    this.#audio?.setRoom(voiceId);
  }

  /** A user left: forget their stream and their loss reports. */
  removeSender(sessionId: number): void {
    this.#feedback.forget(sessionId);
    this.#audio?.removeSender(sessionId);
  }

  /** A listener's `LossReport` about our voice. */
  onLossReport(from: number, lossPermille: number): void {
    this.#feedback.report(from, lossPermille / 1000, this.#deps.now());
    this.#updateExpectedLoss();
  }

  /**
   * Does what a voice command needs beyond the state, once the state holds
   * its result: `before` is the settings the command started from.
   */
  afterVoiceCommand(cmd: VoiceCommand, before: VoiceSettings): void {
    const after = this.#host.state.voiceSettings;
    if (cmd.type === 'set-input-device' && after.inputDeviceId !== before.inputDeviceId) this.switchInput();
    if (cmd.type === 'set-output-device' && after.outputDeviceId !== before.outputDeviceId) this.switchOutput();
    if (cmd.type === 'refresh-devices') this.refreshDevices();
    if (cmd.type === 'set-network-sim') this.applyNetSim();
  }

  /** Reconfigures the outgoing-path simulator to the state's setting. */
  applyNetSim(): void {
    this.#deps.path.configure(this.#host.state.netSim);
  }

  /** Switches the microphone to the state's choice; a failure is a notice and the old one stays. */
  switchInput(): void {
    this.#audio?.setInputDevice(this.#host.state.voiceSettings.inputDeviceId).then(
      () => this.refreshDevices(),
      (e: unknown) => this.#notice(e, 'input-device-failed'),
    );
  }

  /** Routes playback to the state's choice; a failure is a notice. */
  switchOutput(): void {
    this.#audio?.setOutputDevice(this.#host.state.voiceSettings.outputDeviceId).catch((e: unknown) => this.#notice(e));
  }

  /** Re-reads the device lists into state. */
  refreshDevices(): void {
    this.#deps.devices?.list().then(
      (infos) => this.#host.set({ ...this.#host.state, devices: toDeviceList(infos, this.#deps.canChooseOutput) }),
      () => undefined, // no list: the panel keeps offering "system default"
    );
  }

  /** Stops the engine and releases the microphone. */
  close(): void {
    for (const u of this.#unsubs) u();
    this.#unsubs = [];
    this.#stopDeviceWatch?.();
    this.#stopDeviceWatch = null;
    const audio = this.#audio;
    this.#audio = null;
    void audio?.close();
  }

  #onLevel(level: number, transmitting: boolean): void {
    const host = this.#host;
    const self = host.state.selfSessionId;
    const selfTalking = self !== null && transmitting && !host.state.micTest && level > SELF_TALKING_LEVEL;
    host.set({ ...host.state, inputLevel: level, transmitting, talking: this.#talkingSet(selfTalking) });
  }

  #publishTalking(selfTalking: boolean): void {
    this.#host.set({ ...this.#host.state, talking: this.#talkingSet(selfTalking) });
  }

  /** Who is talking now; the state's own Set while nobody started or stopped, so views keyed on it do not re-render 10 times a second for nothing. */
  #talkingSet(selfTalking: boolean): ReadonlySet<number> {
    const talking = new Set(this.#remoteTalking);
    const self = this.#host.state.selfSessionId;
    if (self !== null && selfTalking) talking.add(self);
    const before = this.#host.state.talking;
    if (before.size === talking.size && [...talking].every((id) => before.has(id))) return before;
    return talking;
  }

  #onReceiveLoss(loss: ReadonlyMap<number, number>): void {
    const senders = [...loss].map(([sessionId, fraction]) => ({ sessionId, lossPermille: Math.round(Math.min(1, Math.max(0, fraction)) * 1000) }));
    if (senders.length > 0 && this.#host.state.connection.status === 'connected') {
      this.#host.sendControl({ case: 'receiverReport', value: { senders: senders.slice(0, 64) } });
    }
    this.#updateExpectedLoss(); // reports expire even when none arrive
  }

  #updateExpectedLoss(): void {
    const pct = this.#feedback.expectedLossPct(this.#deps.now());
    if (pct !== this.#host.state.expectedLossPct) this.#host.set({ ...this.#host.state, expectedLossPct: pct });
  }

  #notice(e: unknown, fallback: 'voice-failed' | 'input-device-failed' = 'voice-failed'): void {
    const code = (e as { code?: string }).code;
    const sessionCode = code === 'output-device-unsupported' || code === 'output-device-failed' || code === 'mic-permission-denied' ? code : fallback;
    this.#host.set({ ...this.#host.state, notice: new SessionError(sessionCode, String((e as Error).message ?? e), { cause: e }) });
  }
}
