/**
 * Public surface of the relay: `createRelay` and the types around it, plus the
 * pure pieces embedders and tests use directly (the voice router, presence,
 * token bucket, stats reason lists).
 */
export { createRelay } from './create-relay.ts';
export { WS_PATH } from './relay.ts';
export type { Relay } from './relay.ts';
export { DEFAULT_LIMITS, MAX_VOICE_WORKERS } from './options.ts';
export type { VoiceWorkerStats } from './voice/plane.ts';
export type { Clock, Logger, RelayLimits, RelayOptions, RtcOptions } from './options.ts';
export type { RelayEventPayloads, RelayEvents } from './events.ts';
export type { EventSource, Listener } from '../proto/typed-emitter.ts';
export { TypedEmitter } from '../proto/typed-emitter.ts';
export { RelayError } from './errors.ts';
export type { RelayErrorCode } from './errors.ts';
export { DATAGRAM_DROP_REASONS, FRAME_DROP_REASONS, DropStats } from './stats.ts';
export type { ControlSendStats, DatagramDropReason, FrameDropReason, RelayStats } from './stats.ts';
export { loadSummary } from './voice/load-report.ts';
export type { VoiceLoad } from './voice/load-report.ts';
export { CloseCode, closeCodeFor } from './connection/client-connection.ts';
export { VoiceRouter } from './voice/router.ts';
export type { DatagramSink, VoiceDirectory, VoiceRouterDeps } from './voice/router.ts';
export { Presence } from './presence/presence.ts';
export type { Member, MoveResult, VoiceRoute, VoiceSender } from './presence/presence.ts';
export { LOBBY_ID, SEED_ROOMS } from './presence/rooms.ts';
export type { StoredRoom, KnownUser } from './storage/store.ts';
export { TokenBucket } from './rate-limit.ts';
export { normalizeDisplayName, MAX_DISPLAY_NAME_CHARS } from './presence/display-name.ts';
export { attachLogger } from './ops/log.ts';
export { AddressLockout, DEFAULT_LOCKOUT, remoteAddress, runAdminCli } from './access/index.ts';
export type { GuestPolicy, LockoutPolicy } from './access/index.ts';
export { authorizeChat, ChatService, ChatStore, DEFAULT_CHAT_LIMITS } from './chat/index.ts';
export type { ChatActor, ChatLimits, ChatPermission, ChatPlace, ChatPolicy } from './chat/index.ts';
export { CA_CERT_PATH, CA_PAGE_PATH } from './tls/ca-page.ts';
export { TlsError } from './tls/errors.ts';
export type { TlsErrorCode } from './tls/errors.ts';
export type { TlsMode, TlsOptions, TlsStatus } from './tls/options.ts';
