/**
 * The state side of voice commands, pure: each command gives the next
 * State (values clamped to their bounds, invalid ones ignored). Side
 * effects (switching devices, re-reading device lists, reconfiguring the
 * network simulator) are AudioLink.afterVoiceCommand's; applying the result
 * to the audio engine is engine-sync.ts's job.
 */
import { normalizeNetSim } from './net-sim.ts';
import type { State, VoiceCommand } from '../state.ts';
import { clampSetting, isValidKeyCode, VOICE_LIMITS, withUserVolume } from './voice-settings.ts';
import type { VoiceSettings } from './voice-settings.ts';

function withSettings(state: State, patch: Partial<VoiceSettings>): State {
  return { ...state, voiceSettings: { ...state.voiceSettings, ...patch } };
}

/** The state after `cmd`; returns `state` itself when nothing changes. */
export function reduceVoiceCommand(state: State, cmd: VoiceCommand): State {
  const s = state.voiceSettings;
  switch (cmd.type) {
    case 'set-transmit-mode':
      if (!['push-to-talk', 'voice-activation', 'continuous'].includes(cmd.mode) || cmd.mode === s.transmitMode) return state;
      return { ...withSettings(state, { transmitMode: cmd.mode }), pttDown: false };
    case 'push-to-talk':
      return cmd.down === state.pttDown ? state : { ...state, pttDown: cmd.down };
    case 'set-ptt-key':
      return isValidKeyCode(cmd.code) && cmd.code !== s.pttKey ? withSettings(state, { pttKey: cmd.code }) : state;
    case 'set-voice-activation':
      return withSettings(state, {
        vadThresholdDb: clampSetting(cmd.thresholdDb, VOICE_LIMITS.vadThresholdDb, s.vadThresholdDb),
        vadHangMs: clampSetting(cmd.hangMs, VOICE_LIMITS.vadHangMs, s.vadHangMs),
      });
    case 'set-input-device':
      return withSettings(state, { inputDeviceId: cmd.deviceId || null });
    case 'set-output-device':
      return withSettings(state, { outputDeviceId: cmd.deviceId || null });
    case 'set-input-gain':
      return withSettings(state, { inputGain: clampSetting(cmd.gain, VOICE_LIMITS.inputGain, s.inputGain) });
    case 'set-output-volume':
      return withSettings(state, { outputVolume: clampSetting(cmd.volume, VOICE_LIMITS.outputVolume, s.outputVolume) });
    case 'set-user-volume':
      return { ...state, voiceSettings: withUserVolume(s, cmd.publicKeyHex, cmd.volume) };
    case 'set-mic-test':
      return cmd.on === state.micTest ? state : { ...state, micTest: cmd.on };
    case 'set-network-sim':
      return { ...state, netSim: normalizeNetSim({ ...state.netSim, ...cmd.config }) };
    case 'refresh-devices':
      return state;
  }
}
