/** Public surface of crdt/: op encoding, the tree rules, the Yjs schema, sync and the client overlay. No sockets, no storage. */
export * from './op.ts';
export * from './tree.ts';
export * from './doc.ts';
export * from './sync.ts';
export * from './members-replica.ts';
export * from './overlay.ts';
