/** Voice worker processes: the pool the main process runs, and the pure pieces (IPC parsing, placement, mirror) and the gateway to a cluster's relay links. */
export { VoiceWorkerPool } from './worker-pool.ts';
export type { PoolGateway, VoiceWorkerPoolDeps } from './worker-pool.ts';
export { LinkGateway } from './link-gateway.ts';
export type { GatewayDrop, GatewayStats, LinkBridge, LinkGatewayDeps } from './link-gateway.ts';
export { parseFromWorker, parseToWorker, MAX_DROP_SAMPLES } from './ipc.ts';
export type { FromWorker, ToWorker, WorkerLimits } from './ipc.ts';
export { chooseWorker } from './placement.ts';
export type { PlacementCandidate } from './placement.ts';
export { VoiceMirror } from './voice-mirror.ts';
export type { MirrorRoom } from './voice-mirror.ts';
