/**
 * Limits of the file feature (issue 16): what the admin sets and what bounds
 * the tracker and the fallback. Everything a client can make the relay hold
 * or send about files is bounded here.
 */

/** File-sharing limits and switches. */
export interface FileLimits {
  /** File sharing at all (announce, introduce, fallback). */
  readonly enabled: boolean;
  /** Largest file a manifest may declare, in bytes. */
  readonly maxFileBytes: number;
  /** The relay may carry chunks when no direct path works. */
  readonly relayFallback: boolean;
  /** Bytes per second the fallback may carry, all sessions together (in + out). */
  readonly fallbackBytesPerSecond: number;
  /** Bytes of carried chunks kept for the rest of the room (LRU); 0 = none. */
  readonly fallbackCacheBytes: number;
  /** Files tracked at once. */
  readonly maxFiles: number;
  /** Holders (and downloaders) tracked per file. */
  readonly maxHoldersPerFile: number;
  /** Files one session may hold or fetch at once. */
  readonly maxFilesPerSession: number;
  /** File requests (announce, want, signal, relay want) per session: burst and refill per second. */
  readonly requestBurst: number;
  readonly requestsPerSecond: number;
  /** Fallback chunk fetches one session may have waiting. */
  readonly maxRelayWantsPerSession: number;
}

/** Defaults: on, 4 GiB, fallback on at 8 MiB/s with a 64 MiB cache. */
export const DEFAULT_FILE_LIMITS: FileLimits = {
  enabled: true,
  maxFileBytes: 4 * 1024 ** 3,
  relayFallback: true,
  fallbackBytesPerSecond: 8 * 1024 * 1024,
  fallbackCacheBytes: 64 * 1024 * 1024,
  maxFiles: 10_000,
  maxHoldersPerFile: 256,
  maxFilesPerSession: 256,
  requestBurst: 200,
  requestsPerSecond: 100,
  maxRelayWantsPerSession: 8,
};

/** Defaults overlaid with what the embedder set. */
export function resolveFileLimits(partial: Partial<FileLimits> | undefined): FileLimits {
  return { ...DEFAULT_FILE_LIMITS, ...partial };
}
