/** The file feature's counters (relay stats and /metrics). Its own module so stats-types.ts imports no service. */

/** Counters for stats and /metrics. */
export interface FileStats {
  readonly filesTracked: number;
  readonly signalsForwarded: number;
  readonly refused: number;
  /** Chunk bytes the relay received from holders (fallback). */
  readonly relayBytesIn: number;
  /** Chunk bytes the relay sent to downloaders (fallback). */
  readonly relayBytesOut: number;
  readonly relayCacheBytes: number;
  readonly relayCacheHits: number;
  readonly badChunkReports: number;
}
