/** Public surface of the client backend (no UI, no Lit). */
export { Session } from './session.ts';
export type { SessionDeps } from './session-deps.ts';
export type { State, Command, VoiceCommand, RoomView, UserView, ConnectionStatus, VoiceStatus, DeviceList, DeviceView, RoleName, InviteView, BanView, RelayKeyChange } from './state.ts';
export { initialState } from './state.ts';
export { SessionError } from './errors.ts';
export type { SessionErrorCode } from './errors.ts';
export { errorText } from './error-text.ts';
export { exponentialBackoff } from './reconnect-policy.ts';
export type { ReconnectPolicy } from './reconnect-policy.ts';
export { DEFAULT_VOICE_SETTINGS, VOICE_LIMITS, localStorageSettingsStore, memorySettingsStore, parseVoiceSettings } from './voice-settings.ts';
export type { SelectableTransmitMode, SettingsStore, VoiceSettings } from './voice-settings.ts';
export { browserDeviceSource } from './devices.ts';
export type { DeviceSource } from './devices.ts';
export { NET_SIM_OFF } from './net-sim.ts';
export type { NetSimConfig } from './net-sim.ts';
export { memoryPins, storagePins } from './relay-pins.ts';
export type { RelayPinStore } from './relay-pins.ts';
export * from './chat/index.ts';
