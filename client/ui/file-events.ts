/**
 * Events of file sharing: the chat panel fires {@link FileShareEvent} when
 * files are dropped or picked; file cards fire {@link FileCommandEvent}.
 * Kept out of the lazily loaded file code so the panel can fire them before
 * that code is loaded. The command types belong to the session
 * (client/session/files-commands.ts); they are re-exported here for the UI.
 */

import type { FileCommand } from '../session/files-commands.ts';

export type { FileCardData, FileCommand, OutgoingShareView } from '../session/files-commands.ts';

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
