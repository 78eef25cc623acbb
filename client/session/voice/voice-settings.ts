/**
 * The user's voice settings: what they are, their defaults and bounds, how
 * they are read back from storage, and the storage adapters.
 *
 * Stored values are untrusted (another version of the page, a user editing
 * localStorage, a corrupt write): `parseVoiceSettings` never throws and
 * replaces each invalid field by its default, so one bad field never costs
 * the others.
 */
import { localStorageJsonStore, memoryJsonStore } from '../json-store.ts';
import type { JsonStore } from '../json-store.ts';

/** The transmission modes a user picks; mute and deafen override them. */
export type SelectableTransmitMode = 'push-to-talk' | 'voice-activation' | 'continuous';

/** Everything the user can set about voice; persisted across reloads. */
export interface VoiceSettings {
  readonly transmitMode: SelectableTransmitMode;
  /** Push-to-talk key as a `KeyboardEvent.code` (layout-independent), e.g. `KeyV`. */
  readonly pttKey: string;
  /** Voice-activation threshold, dBFS (-80..0). */
  readonly vadThresholdDb: number;
  /** Voice-activation hang time, ms (0..2000). */
  readonly vadHangMs: number;
  /** Chosen microphone (`MediaDeviceInfo.deviceId`), null = system default. */
  readonly inputDeviceId: string | null;
  /** Chosen speaker, null = system default. */
  readonly outputDeviceId: string | null;
  /** Microphone gain, linear (0..2). */
  readonly inputGain: number;
  /** Playback volume, linear (0..2). */
  readonly outputVolume: number;
  /** Per-user playback volume by identity key (hex), linear 0..2; absent = 1. */
  readonly userVolumes: Readonly<Record<string, number>>;
}

/** Bounds of every numeric setting (inclusive). */
export const VOICE_LIMITS = Object.freeze({
  vadThresholdDb: [-80, 0],
  vadHangMs: [0, 2000],
  inputGain: [0, 2],
  outputVolume: [0, 2],
  userVolume: [0, 2],
} as const);

/** Per-user volumes kept at most (oldest dropped): storage stays small. */
export const MAX_USER_VOLUMES = 500;

export const DEFAULT_VOICE_SETTINGS: VoiceSettings = Object.freeze({
  transmitMode: 'voice-activation',
  pttKey: 'KeyV',
  vadThresholdDb: -45,
  vadHangMs: 400,
  inputDeviceId: null,
  outputDeviceId: null,
  inputGain: 1,
  outputVolume: 1,
  userVolumes: Object.freeze({}),
});

const MODES: readonly string[] = ['push-to-talk', 'voice-activation', 'continuous'];
const KEY_CODE = /^[A-Za-z][A-Za-z0-9]{0,31}$/;
const HEX_KEY = /^[0-9a-f]{64}$/;
const MAX_DEVICE_ID = 256;

/** Clamps a finite number into `[lo, hi]`; anything else gives `fallback`. */
export function clampSetting(value: unknown, [lo, hi]: readonly [number, number], fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(hi, Math.max(lo, value)) : fallback;
}

/** Whether `code` looks like a `KeyboardEvent.code` we accept as a push-to-talk key. */
export function isValidKeyCode(code: unknown): code is string {
  return typeof code === 'string' && KEY_CODE.test(code);
}

function deviceId(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_DEVICE_ID ? value : null;
}

function userVolumes(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  let n = 0;
  for (const [key, v] of Object.entries(value)) {
    if (n >= MAX_USER_VOLUMES) break;
    if (!HEX_KEY.test(key) || typeof v !== 'number' || !Number.isFinite(v)) continue;
    out[key] = clampSetting(v, VOICE_LIMITS.userVolume, 1);
    n++;
  }
  return out;
}

/** Reads settings from anything (parsed JSON); never throws, invalid fields fall back to defaults. */
export function parseVoiceSettings(raw: unknown): VoiceSettings {
  const d = DEFAULT_VOICE_SETTINGS;
  if (typeof raw !== 'object' || raw === null) return d;
  const r = raw as Record<string, unknown>;
  return {
    transmitMode: typeof r.transmitMode === 'string' && MODES.includes(r.transmitMode) ? (r.transmitMode as SelectableTransmitMode) : d.transmitMode,
    pttKey: isValidKeyCode(r.pttKey) ? r.pttKey : d.pttKey,
    vadThresholdDb: clampSetting(r.vadThresholdDb, VOICE_LIMITS.vadThresholdDb, d.vadThresholdDb),
    vadHangMs: clampSetting(r.vadHangMs, VOICE_LIMITS.vadHangMs, d.vadHangMs),
    inputDeviceId: deviceId(r.inputDeviceId),
    outputDeviceId: deviceId(r.outputDeviceId),
    inputGain: clampSetting(r.inputGain, VOICE_LIMITS.inputGain, d.inputGain),
    outputVolume: clampSetting(r.outputVolume, VOICE_LIMITS.outputVolume, d.outputVolume),
    userVolumes: userVolumes(r.userVolumes),
  };
}

/** Sets one user's volume (1 removes the entry); keeps at most MAX_USER_VOLUMES, newest last. */
export function withUserVolume(settings: VoiceSettings, publicKeyHex: string, volume: number): VoiceSettings {
  if (!HEX_KEY.test(publicKeyHex)) return settings;
  const v = clampSetting(volume, VOICE_LIMITS.userVolume, 1);
  const entries = Object.entries(settings.userVolumes).filter(([k]) => k !== publicKeyHex);
  if (v !== 1) entries.push([publicKeyHex, v]);
  return { ...settings, userVolumes: Object.fromEntries(entries.slice(-MAX_USER_VOLUMES)) };
}

/** Where the value persists between page loads (client/session/json-store.ts). */
export type SettingsStore = JsonStore<VoiceSettings>;

/** As JSON under one localStorage key. */
export function localStorageSettingsStore(storage: Storage, key = 'parley.voice-settings.v1'): SettingsStore {
  return localStorageJsonStore(storage, key);
}

/** In memory only (tests; browsers that refuse storage). */
export function memorySettingsStore(initial?: unknown): SettingsStore {
  return memoryJsonStore(initial);
}
