/**
 * Events of file sharing: the chat panel fires {@link FileShareEvent} when
 * files are dropped or picked; file cards fire {@link FileCommandEvent}.
 * Kept out of the lazily loaded file code so the panel can fire them before
 * that code is loaded.
 */

import type { FileAvailability, FileOffer } from '../files/file-offer.ts';
import type { TransferView } from '../files/file-transfer.ts';

/** What the chat panel hands one file card. */
export interface FileCardData {
  readonly offer: FileOffer;
  readonly transfer: TransferView | null;
  readonly availability: FileAvailability;
  readonly previewUrl: string | null;
}

/** What a file card asks for. */
export type FileCommand =
  | { readonly type: 'file-download' | 'file-cancel' | 'file-save' | 'file-stop-sharing' | 'file-stop-seeding' | 'file-resume-seeding'; readonly fileId: string }
  | { readonly type: 'file-set-quota'; readonly bytes: number }
  | { readonly type: 'file-set-auto-image'; readonly bytes: number };

/** The user dropped or picked files to share in `conversation`. */
export class FileShareEvent extends Event {
  static readonly type = 'file-share';
  constructor(readonly conversation: string, readonly files: readonly File[]) {
    super(FileShareEvent.type, { bubbles: true, composed: true });
  }
}

/** A file card or the storage panel asked for something. */
export class FileCommandEvent extends Event {
  static readonly type = 'file-command';
  constructor(readonly command: FileCommand) {
    super(FileCommandEvent.type, { bubbles: true, composed: true });
  }
}
