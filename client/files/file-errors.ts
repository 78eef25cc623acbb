/**
 * Typed errors of file sharing. The UI turns `code` into plain language
 * (see {@link fileErrorText}); nothing parses `message`.
 */

/** Every reason a file operation can fail. */
export type FileErrorCode =
  /** The user-set storage limit for shared files is reached. */
  | 'quota-exceeded'
  /** The browser itself refused to store more (disk full, site storage limit). */
  | 'browser-quota'
  /** Neither OPFS nor IndexedDB works here (private window, storage disabled). */
  | 'storage-unavailable'
  /** A chunk's SHA-256 does not match the manifest. */
  | 'bad-chunk'
  /** A peer sent a frame that could not be decoded, or one we never asked for. */
  | 'bad-frame'
  /** The chunk index is outside the file. */
  | 'bad-index'
  /** The download was cancelled by the user. */
  | 'cancelled'
  /** The peer connection closed. */
  | 'peer-gone'
  /** The file is empty: there is nothing to share. */
  | 'empty-file'
  /** The file is larger than this client shares (MAX_SHARE_BYTES, 4 GiB). */
  | 'too-large'
  /** The picked file could not be read (moved, changed or deleted since it was picked). */
  | 'unreadable'
  /** Preparing or posting a share failed for another reason (the log says which). */
  | 'share-failed';

/** An error with a {@link FileErrorCode}. */
export class FileError extends Error {
  readonly code: FileErrorCode;
  constructor(code: FileErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'FileError';
    this.code = code;
  }
}

/** True for the browser's own "storage full" errors (DOMException QuotaExceededError). */
export function isBrowserQuotaError(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);
}

/** `e` as a FileError: itself, the browser's quota error as `browser-quota`, a read error as `unreadable`, anything else `share-failed`. */
export function asFileError(e: unknown): FileError {
  if (e instanceof FileError) return e;
  if (isBrowserQuotaError(e)) return new FileError('browser-quota', 'the browser refused to store more', { cause: e });
  if (e instanceof DOMException && (e.name === 'NotReadableError' || e.name === 'NotFoundError')) return new FileError('unreadable', e.message, { cause: e });
  return new FileError('share-failed', String(e), { cause: e });
}

/** Plain-language explanation of a file error, for the UI. */
export function fileErrorText(e: FileError | { code: FileErrorCode }): string {
  switch (e.code) {
    case 'quota-exceeded':
      return 'Your storage limit for shared files is full. Remove files you no longer need, or raise the limit in file settings.';
    case 'browser-quota':
      return 'The browser refused to store more: this device is low on space, or the browser limits this site. Free some space or remove shared files.';
    case 'storage-unavailable':
      return 'This browser does not let the page store files (a private window, or site storage is turned off).';
    case 'bad-chunk':
      return 'Someone sent damaged data. It was thrown away and is being fetched from someone else.';
    case 'bad-frame':
      return 'Someone sent data that could not be read. They were disconnected.';
    case 'bad-index':
      return 'A request named a part of the file that does not exist.';
    case 'cancelled':
      return 'Download cancelled.';
    case 'peer-gone':
      return 'The connection to the other person closed.';
    case 'empty-file':
      return 'This file is empty, so there is nothing to share.';
    case 'too-large':
      return 'This file is too large to share: the limit is 4 GB.';
    case 'unreadable':
      return 'The file could not be read. It may have been moved, changed or deleted since you picked it: pick it again.';
    case 'share-failed':
      return 'Sharing this file failed. Try again; if it keeps failing, reload the page.';
  }
}
