/** Public surface of client/tree/: the room tree store and its caches. */
export { RoomTreeStore, emptyTreeView } from './room-tree-store.ts';
export type { HistoryEntryView, RefusedChange, RoomTreeStoreDeps, TreeEdit, TreeView } from './room-tree-store.ts';
export { toRoomView } from './room-view.ts';
export type { RoomView } from './room-view.ts';
export { memoryTreeCache } from './tree-cache.ts';
export type { CachedMeta, QueuedOp, TreeCache } from './tree-cache.ts';
export { openIdbTreeCache } from './idb-tree-cache.ts';
export { describeOp, refusalText } from '../../ui/describe-op.ts';
