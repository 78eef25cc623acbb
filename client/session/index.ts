/** Public surface of the client backend (no UI, no Lit). */
export { Session } from './session.ts';
export type { SessionDeps } from './session.ts';
export type { State, Command, RoomView, UserView, ConnectionStatus, VoiceStatus, RoleName, InviteView, BanView, RelayKeyChange } from './state.ts';
export { initialState } from './state.ts';
export { SessionError } from './errors.ts';
export type { SessionErrorCode } from './errors.ts';
export { errorText } from './error-text.ts';
export { exponentialBackoff } from './reconnect-policy.ts';
export type { ReconnectPolicy } from './reconnect-policy.ts';
export { memoryPins, storagePins } from './relay-pins.ts';
export type { RelayPinStore } from './relay-pins.ts';
export * from './chat/index.ts';
