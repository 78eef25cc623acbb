/** Node-side file peers for tests and benches (issue 16): share, serve, download from the swarm or through the relay. */
export { FilePeer } from './file-peer.ts';
export type { FilePeerOptions, PeerCounters, SeedOptions } from './file-peer.ts';
export { buildSharedFile } from './shared-file.ts';
export type { FileRef, SharedFile } from './shared-file.ts';
