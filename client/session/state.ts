/**
 * The session's state snapshot (read-only, replaced on every change) and the
 * commands the UI sends. The UI renders from `State` and never holds its own
 * copy of shared state.
 */
import type { SessionError } from './errors.ts';
import type { NetSimConfig } from './net-sim.ts';
import { NET_SIM_OFF } from './net-sim.ts';
import type { SelectableTransmitMode, VoiceSettings } from './voice-settings.ts';
import { DEFAULT_VOICE_SETTINGS } from './voice-settings.ts';

/** Lifecycle of the control connection. */
export type ConnectionStatus = 'idle' | 'connecting' | 'authenticating' | 'connected' | 'reconnecting' | 'failed';

/** Lifecycle of the voice path (mic + DataChannel). */
export type VoiceStatus = 'off' | 'starting' | 'ready' | 'failed';

export interface RoomView {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
  readonly position: number;
  readonly voiceId: number;
}

export interface UserView {
  readonly sessionId: number;
  readonly publicKeyHex: string;
  readonly displayName: string;
  readonly roomId: string;
  readonly muted: boolean;
  readonly deafened: boolean;
}

/** One audio device as the settings panel lists it. */
export interface DeviceView {
  readonly id: string;
  /** The browser's label, or "Microphone 2"-style when it hides labels (before mic permission). */
  readonly label: string;
}

/** The devices the browser offers. */
export interface DeviceList {
  readonly inputs: readonly DeviceView[];
  readonly outputs: readonly DeviceView[];
  /** Whether this browser lets the page choose the output device (AudioContext.setSinkId). */
  readonly canChooseOutput: boolean;
}

export interface State {
  readonly connection: { readonly status: ConnectionStatus; readonly error: SessionError | null; readonly attempt: number };
  readonly identity: { readonly publicKeyHex: string; readonly fingerprint: string } | null;
  readonly serverName: string;
  readonly selfSessionId: number | null;
  readonly roomId: string | null;
  readonly rooms: readonly RoomView[];
  readonly users: readonly UserView[];
  /** Session ids currently heard (remote) or sending above the meter floor (self). */
  readonly talking: ReadonlySet<number>;
  readonly voice: { readonly status: VoiceStatus; readonly error: SessionError | null };
  readonly muted: boolean;
  readonly deafened: boolean;
  /** 0..1, local microphone level. */
  readonly inputLevel: number;
  /** True while the capture side is actually sending voice. */
  readonly transmitting: boolean;
  /** The last non-fatal error to show briefly (e.g. a refused room join). */
  readonly notice: SessionError | null;
  /** The user's voice settings (persisted). */
  readonly voiceSettings: VoiceSettings;
  /** Push-to-talk key or on-screen button held. */
  readonly pttDown: boolean;
  /** Microphone test running: own voice played back locally, nothing sent. */
  readonly micTest: boolean;
  readonly devices: DeviceList;
  /** Developer network simulator on the outgoing voice path. */
  readonly netSim: NetSimConfig;
  /** Expected loss the encoder's FEC is sized for, percent (follows listeners' reports). */
  readonly expectedLossPct: number;
}

export type Command =
  | { readonly type: 'connect'; readonly displayName: string; readonly password: string }
  | { readonly type: 'disconnect' }
  | { readonly type: 'join-room'; readonly roomId: string }
  | { readonly type: 'set-muted'; readonly muted: boolean }
  | { readonly type: 'set-deafened'; readonly deafened: boolean }
  | { readonly type: 'dismiss-notice' }
  | VoiceCommand;

/** Commands about how voice is sent and played (settings, push-to-talk, devices, tests). */
export type VoiceCommand =
  | { readonly type: 'set-transmit-mode'; readonly mode: SelectableTransmitMode }
  /** Push-to-talk key or button pressed (`down: true`) or released. */
  | { readonly type: 'push-to-talk'; readonly down: boolean }
  /** Push-to-talk key as a `KeyboardEvent.code`. */
  | { readonly type: 'set-ptt-key'; readonly code: string }
  | { readonly type: 'set-voice-activation'; readonly thresholdDb?: number; readonly hangMs?: number }
  /** null = system default. */
  | { readonly type: 'set-input-device'; readonly deviceId: string | null }
  | { readonly type: 'set-output-device'; readonly deviceId: string | null }
  /** Linear 0..2. */
  | { readonly type: 'set-input-gain'; readonly gain: number }
  /** Linear 0..2. */
  | { readonly type: 'set-output-volume'; readonly volume: number }
  /** Linear 0..2 for the user with this identity key. */
  | { readonly type: 'set-user-volume'; readonly publicKeyHex: string; readonly volume: number }
  | { readonly type: 'set-mic-test'; readonly on: boolean }
  /** Re-reads the device lists (the panel opened, a device was plugged in). */
  | { readonly type: 'refresh-devices' }
  | { readonly type: 'set-network-sim'; readonly config: Partial<NetSimConfig> };

export const initialState: State = {
  connection: { status: 'idle', error: null, attempt: 0 },
  identity: null,
  serverName: '',
  selfSessionId: null,
  roomId: null,
  rooms: [],
  users: [],
  talking: new Set(),
  voice: { status: 'off', error: null },
  muted: false,
  deafened: false,
  inputLevel: 0,
  transmitting: false,
  notice: null,
  voiceSettings: DEFAULT_VOICE_SETTINGS,
  pttDown: false,
  micTest: false,
  devices: { inputs: [], outputs: [], canChooseOutput: false },
  netSim: NET_SIM_OFF,
  expectedLossPct: 10,
};
