import { describe, expect, it } from 'vitest';
import type { AudioEngine } from '../../../../client/audio/types.ts';
import { EngineSync, engineView } from '../../../../client/session/voice/engine-sync.ts';
import { initialState } from '../../../../client/session/state.ts';
import type { State } from '../../../../client/session/state.ts';
import { reduceVoiceCommand } from '../../../../client/session/voice/voice-commands.ts';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

/** Records the setter calls an engine receives (a recorder, not a stand-in for the engine's behaviour). */
function recorder(): { engine: AudioEngine; calls: string[] } {
  const calls: string[] = [];
  const rec = (name: string) => (...args: unknown[]) => void calls.push(`${name} ${JSON.stringify(args)}`);
  const engine = {
    configureGate: rec('gate'),
    setInputGain: rec('inputGain'),
    setOutputVolume: rec('outputVolume'),
    setDeafened: rec('deafened'),
    setMicTest: rec('micTest'),
    setExpectedLoss: rec('expectedLoss'),
    setSenderVolume: rec('senderVolume'),
  } as unknown as AudioEngine;
  return { engine, calls };
}

const withUsers: State = {
  ...initialState,
  selfSessionId: 1,
  users: [
    { sessionId: 1, publicKeyHex: KEY_A, displayName: 'me', roomId: 'lobby', muted: false, deafened: false, role: 'member' },
    { sessionId: 2, publicKeyHex: KEY_B, displayName: 'Bo', roomId: 'lobby', muted: false, deafened: false, role: 'member' },
  ],
};

describe('engineView', () => {
  it('puts the gate in muted mode when muted or deafened, whatever the chosen mode', () => {
    expect(engineView(withUsers).mode).toBe('voice-activation');
    expect(engineView({ ...withUsers, muted: true }).mode).toBe('muted');
    expect(engineView({ ...withUsers, deafened: true }).mode).toBe('muted');
  });

  it('lets the mic test through even when muted, keeping voice activation', () => {
    expect(engineView({ ...withUsers, muted: true, micTest: true }).mode).toBe('voice-activation');
    const ptt = reduceVoiceCommand(withUsers, { type: 'set-transmit-mode', mode: 'push-to-talk' });
    expect(engineView({ ...ptt, micTest: true }).mode).toBe('continuous');
  });

  it('maps per-user volumes by identity key onto present session ids, never onto oneself', () => {
    const s = reduceVoiceCommand(reduceVoiceCommand(withUsers, { type: 'set-user-volume', publicKeyHex: KEY_B, volume: 1.5 }), {
      type: 'set-user-volume',
      publicKeyHex: KEY_A,
      volume: 0.2,
    });
    expect([...engineView(s).senderVolumes]).toEqual([[2, 1.5]]);
  });
});

describe('EngineSync.apply', () => {
  it('applies everything once, then only what changed', () => {
    const { engine, calls } = recorder();
    const sync = new EngineSync();
    sync.apply(engine, engineView(withUsers));
    expect(calls.length).toBe(7);
    calls.length = 0;
    sync.apply(engine, engineView(withUsers));
    expect(calls).toEqual([]);
    const ptt = reduceVoiceCommand(reduceVoiceCommand(withUsers, { type: 'set-transmit-mode', mode: 'push-to-talk' }), { type: 'push-to-talk', down: true });
    sync.apply(engine, engineView(ptt));
    expect(calls).toEqual([`gate [{"mode":"push-to-talk","pttDown":true,"thresholdDb":-45,"hangMs":400}]`]);
    calls.length = 0;
    sync.apply(engine, engineView(reduceVoiceCommand(ptt, { type: 'set-user-volume', publicKeyHex: KEY_B, volume: 0.5 })));
    expect(calls).toEqual(['senderVolume [2,0.5]']);
  });
});

describe('reduceVoiceCommand', () => {
  it('clamps values, ignores invalid ones, and releases push-to-talk on a mode change', () => {
    let s = reduceVoiceCommand(initialState, { type: 'set-voice-activation', thresholdDb: -200, hangMs: 300 });
    expect(s.voiceSettings).toMatchObject({ vadThresholdDb: -80, vadHangMs: 300 });
    expect(reduceVoiceCommand(s, { type: 'set-ptt-key', code: '' })).toBe(s);
    s = reduceVoiceCommand(s, { type: 'push-to-talk', down: true });
    s = reduceVoiceCommand(s, { type: 'set-transmit-mode', mode: 'continuous' });
    expect(s.pttDown).toBe(false);
    s = reduceVoiceCommand(s, { type: 'set-network-sim', config: { lossPct: 10 } });
    expect(s.netSim).toMatchObject({ lossPct: 10, delayMs: 0 });
  });
});
