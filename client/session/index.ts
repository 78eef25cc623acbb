/** Public surface of the client backend (no UI, no Lit). */
export { Session } from './session.ts';
export type { SessionDeps } from './session.ts';
export type { State, Command, RoomView, UserView, ConnectionStatus, VoiceStatus } from './state.ts';
export { initialState } from './state.ts';
export { SessionError } from './errors.ts';
export type { SessionErrorCode } from './errors.ts';
export { errorText } from './error-text.ts';
export { exponentialBackoff } from './reconnect-policy.ts';
export type { ReconnectPolicy } from './reconnect-policy.ts';
export * from './chat/index.ts';
