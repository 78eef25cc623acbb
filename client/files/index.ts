/**
 * Peer-assisted file sharing, client side: the chunk store, chunk checks,
 * the peer frame codec and the transfer engine. Loaded lazily (dynamic
 * import) so the first page load does not carry it.
 */
export { FileError, fileErrorText, isBrowserQuotaError } from './file-errors.ts';
export type { FileErrorCode } from './file-errors.ts';
export { chunkLength, sha256, verifyChunk } from './chunk-hash.ts';
export type { ChunkLayout } from './chunk-hash.ts';
export { BoundedChunkStore, memoryChunkStore } from './chunk-store.ts';
export type { ChunkStore, StorageUse, StoredFile } from './chunk-store.ts';
export { idbChunkStore } from './idb-chunk-store.ts';
export { opfsAvailable, opfsChunkStore } from './opfs-chunk-store.ts';
export { openChunkStore } from './open-chunk-store.ts';
export type { OpenChunkStoreOptions } from './open-chunk-store.ts';
export { decodeFileWire, encodeFileWire, MAX_PIECE_BYTES, MAX_WIRE_BYTES } from './file-wire.ts';
export type { FileWireInit } from './file-wire.ts';
export { dataChannelLink, HIGH_WATER, LOW_WATER } from './frame-link.ts';
export type { DataChannelLike, FrameLink } from './frame-link.ts';
export { SpeedMeter, secondsLeft } from './transfer-progress.ts';
export type { TransferProgress } from './transfer-progress.ts';
export { FileTransfer, WINDOW_PER_PEER } from './file-transfer.ts';
export { hashBlockKey } from './hash-book.ts';
export type { FileTransferDeps, TransferStatus, TransferView } from './file-transfer.ts';
export { cardAction, MAX_SHARE_BYTES, shouldAutoDownload } from './file-offer.ts';
export type { CardAction, FileAvailability, FileOffer } from './file-offer.ts';
export { CONNECT_DEADLINE_MS, FILE_CHANNEL_LABEL, PeerConnection, splitCandidates } from './peer-connection.ts';
export type { PeerConnectionDeps, PeerSignal } from './peer-connection.ts';
export { checkShareFits, checkShareSize, prepareShare, safeFileName, shareStoreBytes } from './prepare-share.ts';
export type { PreparedShare, PrepareOptions, PrepareProgress, ShareRequest } from './prepare-share.ts';
export { FilesClient } from './files-client.ts';
export type { FileEntryView, FilesClientDeps, FilesState } from './files-client.ts';
export { memoryWanted } from './wanted-downloads.ts';
export type { WantedDownloads } from './wanted-downloads.ts';
export { ASSEMBLY_BATCH_BYTES, assembleBlob } from './file-blob.ts';
export { PeerMesh } from './peer-mesh.ts';
export { relayLink } from './relay-link.ts';
export type { RelayLink } from './relay-link.ts';
export { openDescription, signDescription } from './signed-description.ts';
