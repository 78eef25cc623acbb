/**
 * What the UI may ask of file sharing ({@link FileCommand}) and what it is
 * given to draw a file card ({@link FileCardData}). Session types: the file
 * cards, the storage panel and the page fire these; `FilesLink.command`
 * carries them out. Kept free of the lazily loaded transfer engine (types only).
 */
import type { FileAvailability, FileOffer } from '../files/file-offer.ts';
import type { TransferView } from '../files/file-transfer.ts';

export type { OutgoingShareView, OutgoingStatus } from './files-outgoing.ts';

/** What the chat panel hands one file card. */
export interface FileCardData {
  readonly offer: FileOffer;
  readonly transfer: TransferView | null;
  readonly availability: FileAvailability;
  readonly previewUrl: string | null;
}

/** A command on one file. */
export type FileIdCommandType = 'file-download' | 'file-cancel' | 'file-save' | 'file-stop-sharing' | 'file-stop-seeding' | 'file-resume-seeding' | 'file-remove';

/** What a file card or the storage panel asks for. */
export type FileCommand =
  | { readonly type: FileIdCommandType; readonly fileId: string }
  | { readonly type: 'file-set-quota'; readonly bytes: number }
  | { readonly type: 'file-set-auto-image'; readonly bytes: number }
  | { readonly type: 'file-set-relay-only'; readonly on: boolean }
  /** "Hide my IP address from other members" (only through the organisation's TURN server). */
  | { readonly type: 'file-set-hide-address'; readonly on: boolean }
  /** Stop preparing a share not posted yet (or never start it); dismiss a failed one. */
  | { readonly type: 'file-share-cancel' | 'file-share-dismiss'; readonly shareId: string }
  /** The storage panel opened: load the file code if needed and ask the browser for its estimate. */
  | { readonly type: 'file-refresh-storage' };

/** One file with bytes in this browser, as the storage panel lists it. */
export interface StoredFileView {
  readonly fileId: string;
  /** From its manifest; null when no post of it was seen since the page loaded. */
  readonly name: string | null;
  readonly bytes: number;
  /** Shared by this user. */
  readonly own: boolean;
  /** Served to others who ask. */
  readonly seeding: boolean;
  readonly complete: boolean;
}

/** What the storage panel shows. */
export interface FilesStorageView {
  /** Bytes Parley's shared files take here, and the user's limit on them. */
  readonly usedBytes: number;
  readonly quotaBytes: number;
  /** Where they live: `opfs`, `indexeddb`, `memory` (lost on reload), or `unknown` before the file code loads. */
  readonly kind: 'opfs' | 'indexeddb' | 'memory' | 'unknown';
  /** The browser's own estimate for the whole site (navigator.storage.estimate), when known. */
  readonly browserUsage: number | null;
  readonly browserQuota: number | null;
  readonly files: readonly StoredFileView[];
  readonly autoImageBytes: number;
  readonly relayOnly: boolean;
  /** The relay offers its organisation's TURN server: only then is "Hide my IP address" offered. */
  readonly turnOffered: boolean;
  readonly hideAddress: boolean;
  /** A download stopped because storage is full: the user's limit, or the browser's. */
  readonly problem: 'quota-exceeded' | 'browser-quota' | null;
}
