import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_VOICE_SETTINGS,
  MAX_USER_VOLUMES,
  VOICE_LIMITS,
  localStorageSettingsStore,
  memorySettingsStore,
  parseVoiceSettings,
  withUserVolume,
} from '../../../../client/session/voice/voice-settings.ts';

const KEY_A = 'a'.repeat(64);

describe('parseVoiceSettings', () => {
  it('gives the defaults for nothing or garbage', () => {
    for (const raw of [undefined, null, 42, 'x', [], { transmitMode: 'shout' }]) {
      expect(parseVoiceSettings(raw)).toEqual(DEFAULT_VOICE_SETTINGS);
    }
  });

  it('round-trips valid settings', () => {
    const s = {
      transmitMode: 'push-to-talk',
      pttKey: 'F13',
      vadThresholdDb: -33,
      vadHangMs: 750,
      inputDeviceId: 'mic-1',
      outputDeviceId: 'spk-2',
      inputGain: 1.5,
      outputVolume: 0.5,
      userVolumes: { [KEY_A]: 1.8 },
    };
    expect(parseVoiceSettings(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('clamps numbers and drops bad fields one by one', () => {
    const s = parseVoiceSettings({ vadThresholdDb: -500, vadHangMs: 1e9, inputGain: 'loud', pttKey: '<script>', userVolumes: { nothex: 1, [KEY_A]: 9 } });
    expect(s.vadThresholdDb).toBe(VOICE_LIMITS.vadThresholdDb[0]);
    expect(s.vadHangMs).toBe(VOICE_LIMITS.vadHangMs[1]);
    expect(s.inputGain).toBe(1);
    expect(s.pttKey).toBe(DEFAULT_VOICE_SETTINGS.pttKey);
    expect(s.userVolumes).toEqual({ [KEY_A]: 2 });
  });

  it('never throws and always yields settings within bounds (property)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.object(), (a, o) => {
        for (const raw of [a, o, { ...o, userVolumes: o }]) {
          const s = parseVoiceSettings(raw);
          expect(['push-to-talk', 'voice-activation', 'continuous']).toContain(s.transmitMode);
          expect(s.vadThresholdDb).toBeGreaterThanOrEqual(-80);
          expect(s.vadThresholdDb).toBeLessThanOrEqual(0);
          expect(s.inputGain).toBeGreaterThanOrEqual(0);
          expect(s.outputVolume).toBeLessThanOrEqual(2);
          expect(Object.keys(s.userVolumes).length).toBeLessThanOrEqual(MAX_USER_VOLUMES);
          for (const v of Object.values(s.userVolumes)) expect(v >= 0 && v <= 2).toBe(true);
        }
      }),
    );
  });
});

describe('withUserVolume', () => {
  it('stores, clamps, and removes the entry at 100 %', () => {
    let s = withUserVolume(DEFAULT_VOICE_SETTINGS, KEY_A, 5);
    expect(s.userVolumes[KEY_A]).toBe(2);
    s = withUserVolume(s, KEY_A, 1);
    expect(s.userVolumes).toEqual({});
    expect(withUserVolume(s, 'zz', 0.5)).toBe(s);
  });
});

describe('localStorageSettingsStore', () => {
  it('survives a reload (a new store on the same storage) and tolerates broken JSON and quota errors', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    } as unknown as Storage;
    const s = { ...DEFAULT_VOICE_SETTINGS, inputDeviceId: 'mic-7' };
    localStorageSettingsStore(storage).save(s);
    expect(parseVoiceSettings(localStorageSettingsStore(storage).load())).toEqual(s);
    data.set('parley.voice-settings.v1', '{nope');
    expect(localStorageSettingsStore(storage).load()).toBeUndefined();
    const full = { getItem: () => null, setItem: () => { throw new DOMException('full', 'QuotaExceededError'); } } as unknown as Storage;
    expect(() => localStorageSettingsStore(full).save(s)).not.toThrow();
  });

  it('memory store keeps a copy', () => {
    const m = memorySettingsStore();
    m.save(DEFAULT_VOICE_SETTINGS);
    expect(m.load()).toEqual(DEFAULT_VOICE_SETTINGS);
  });
});
