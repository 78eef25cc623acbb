/** Public surface of relay/tree/: the room tree service, its op pipeline and persistence. */
export { TreeService, MAX_OPS_PER_FRAME } from './tree-service.ts';
export { MAX_HISTORY_PAGE } from './op-history.ts';
export type { OpLimits, TreeServiceDeps } from './tree-service.ts';
export { OpPipeline } from './op-pipeline.ts';
export type { OpOutcome, OpPipelineDeps } from './op-pipeline.ts';
export { COMPACT_MAX_RECORDS, COMPACT_MIN_BYTES, loadTree, readAudit, seedRooms, shouldCompact } from './tree-persistence.ts';
export type { AuditRecord, LoadedTree, Verdict } from './tree-persistence.ts';
export { wireCode } from './codes.ts';
export { InlineVerifier, SignaturePool } from './signature-pool.ts';
export type { SignatureCheck, SignaturePoolOptions, SignatureVerifier } from './signature-pool.ts';
