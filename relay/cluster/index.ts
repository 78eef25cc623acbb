/** Public surface of relay/cluster/: several relays serving one organisation over NATS JetStream (docs/CLUSTER.md). */
export { Cluster } from './cluster.ts';
export type { ClusterTree } from './cluster.ts';
export type { ClusterRole } from './cluster-status.ts';
export { clusterNames, resolveClusterOptions } from './options.ts';
export type { ClusterNames, ClusterOptions, ResolvedClusterOptions } from './options.ts';
export { readOrgKey } from './org-key.ts';
export { clusterHandle, joinCluster } from './join.ts';
export type { ClusterStatus } from './cluster-status.ts';
export type { ClusterHandle } from './join.ts';
export { SharedState } from './shared-state.ts';
export { TempSync } from './temp-sync.ts';
export type { SharedStateDeps } from './shared-state.ts';
export type { CrossVoiceDrop, CrossVoiceStats } from './cross-voice.ts';
export type { PlacementStats } from './placement/index.ts';
