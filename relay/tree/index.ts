/** Public surface of relay/tree/: the room tree service, its op pipeline and persistence. */
export { TreeService, MAX_OPS_PER_FRAME, MAX_HISTORY_PAGE, toStoredRoom } from './tree-service.ts';
export type { OpLimits, TreeServiceDeps } from './tree-service.ts';
export { OpPipeline } from './op-pipeline.ts';
export type { OpOutcome, OpPipelineDeps } from './op-pipeline.ts';
export { COMPACT_EVERY, loadTree, readAudit, seedRooms } from './tree-persistence.ts';
export type { AuditRecord, LoadedTree, Verdict } from './tree-persistence.ts';
export { wireCode } from './codes.ts';
