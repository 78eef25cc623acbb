/** Files on the relay (issue 16): tracker, introducer, fallback. docs/ARCHITECTURE.md "relay/files". */
export { FileService, MAX_PEERS_PER_ANSWER } from './file-service.ts';
export type { FileServiceDeps } from './file-service.ts';
export type { FileStats } from './file-stats.ts';
export { DEFAULT_FILE_LIMITS, resolveFileLimits } from './file-limits.ts';
export type { FileLimits } from './file-limits.ts';
export { authorizeFiles, mayAccessFile } from './file-policy.ts';
export type { FilePermission, FilePolicy } from './file-policy.ts';
export { checkChatFile, checkManifest } from './manifest-check.ts';
export { FileTracker } from './tracker.ts';
export { FallbackCarrier, MAX_RELAY_PIECE_BYTES } from './fallback.ts';
export { turnCredentials, turnRefreshMs } from './turn-credentials.ts';
export { startTurnRefresh } from './turn-refresh.ts';
export type { TurnRefreshDeps } from './turn-refresh.ts';
export type { TurnGrant, TurnSettings } from './turn-credentials.ts';
