/**
 * What the app does with file events: a share (picked or dropped files) goes
 * to the session's file sharing; a card's command likewise, and Save hands
 * the assembled file to the browser as a download.
 */
import type { FilesLink } from '../session/files-link.ts';
import type { ConversationKey } from '../session/index.ts';
import { FileCommandEvent, FileShareEvent } from './file-events.ts';

/** Listens on `host` for file events and carries them out with `files()` (none while signed out). */
export function listenForFileEvents(host: HTMLElement, files: () => FilesLink | null): void {
  host.addEventListener(FileShareEvent.type, (e) => {
    const link = files();
    if (e instanceof FileShareEvent && link) void link.share(e.conversation as ConversationKey, e.files).catch((err) => console.warn(`file share failed [reason:${String(err)}]`));
  });
  host.addEventListener(FileCommandEvent.type, (e) => {
    const link = files();
    if (!(e instanceof FileCommandEvent) || !link) return;
    const cmd = e.command;
    void link.command(cmd).then((blob) => {
      if (!blob || cmd.type !== 'file-save') return;
      const name = link.cardName(cmd.fileId) ?? 'file';
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      a.click();
      // Revoking at once can cancel the download in some browsers; a minute is plenty.
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    });
  });
}
