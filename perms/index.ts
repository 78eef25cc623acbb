/**
 * Public surface of perms/: the pure model of per-room permissions, shared by
 * the relay (enforcement) and the client (inspector, editor). No sockets, no
 * storage, no Yjs. docs/PERMISSIONS.md specifies it.
 */
export * from './permission.ts';
export * from './model.ts';
export * from './evaluate.ts';
export * from './limits.ts';
export * from './acl-json.ts';
export * from './lint.ts';
export * from './what-if.ts';
export * from './presets.ts';
