/**
 * Public surface of the browser audio engine. The session layer needs
 * `createAudioEngine` and the contract types; the pure pieces are exported
 * for tests, benchmarks and tools that simulate a receiver.
 */
export { createAudioEngine } from './engine.ts';
export type { AudioEngineDeps, AudioEngineStats, ParleyAudioEngine } from './engine-api.ts';
export { AudioEngineError, MIC_TEST_SENDER } from './types.ts';
export type {
  AudioEngine,
  AudioEngineErrorCode,
  AudioEngineEvents,
  AudioEngineStartOptions,
  GateConfig,
  TimedRecording,
  TransmitMode,
  UplinkDatagram,
} from './types.ts';
export { DEFAULT_GATE } from './transmit-gate.ts';
export { canChooseOutputDevice } from './output-device.ts';
export type { CaptureWorkletStats, PlaybackSenderStats, PlaybackWorkletStats } from './worklet-messages.ts';
export { levelFromRms, rms, rmsToDbfs } from './level-meter.ts';
export { ActivityDetector } from './voice-activity.ts';
export type { ActivityDetectorOptions } from './voice-activity.ts';
