/**
 * Files the user shared that are not posted yet (issue 16). Before a file's
 * chat item can go out, every chunk is read, hashed and stored (the signed
 * manifest carries every chunk's SHA-256), which for a large file takes
 * minutes; meanwhile the chat panel shows each file here with its progress
 * and a Cancel button, and a share that could not be prepared stays with a
 * plain-language reason until dismissed (the quota errors are explained, not
 * logged). Shares are prepared one at a time in the order given; the rest
 * wait as `queued`. Pure state: FilesLink runs the preparing, and every
 * change goes through {@link OutgoingShares} (one choke point, `onChange`).
 */
import type { FileErrorCode } from '../files/file-errors.ts';
import type { ConversationKey } from './chat/chat-state.ts';

/** Where a share is: waiting its turn, being prepared, or failed (shown until dismissed). */
export type OutgoingStatus = 'queued' | 'preparing' | 'failed';

/** What the chat panel shows of one share. */
export interface OutgoingShareView {
  readonly id: string;
  readonly conversation: ConversationKey;
  readonly name: string;
  readonly size: number;
  readonly status: OutgoingStatus;
  /** Bytes read and hashed so far. */
  readonly doneBytes: number;
  /** Why it failed (status `failed`). */
  readonly error: FileErrorCode | null;
}

interface Share {
  view: OutgoingShareView;
  readonly file: File;
  readonly abort: AbortController;
}

/** The queue of shares being prepared (see the module comment). */
export class OutgoingShares {
  readonly #shares = new Map<string, Share>();
  readonly #onChange: () => void;
  #next = 1;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Every share, oldest first. */
  get all(): readonly OutgoingShareView[] {
    return [...this.#shares.values()].map((s) => s.view);
  }

  /** Queues `file` for `conversation`; returns its id. */
  add(conversation: ConversationKey, file: File): string {
    const id = `share-${this.#next++}`;
    this.#shares.set(id, { view: { id, conversation, name: file.name, size: file.size, status: 'queued', doneBytes: 0, error: null }, file, abort: new AbortController() });
    this.#onChange();
    return id;
  }

  /** The oldest queued share, marked preparing, with its file and cancel signal; null when none waits. */
  take(): { readonly id: string; readonly conversation: ConversationKey; readonly file: File; readonly signal: AbortSignal } | null {
    for (const s of this.#shares.values()) {
      if (s.view.status !== 'queued') continue;
      this.#update(s, { status: 'preparing' });
      return { id: s.view.id, conversation: s.view.conversation, file: s.file, signal: s.abort.signal };
    }
    return null;
  }

  /** Progress of a share being prepared; the UI hears of it once per whole percent. */
  progress(id: string, doneBytes: number): void {
    const s = this.#shares.get(id);
    if (!s || s.view.status !== 'preparing') return;
    const percent = (n: number): number => (s.view.size > 0 ? Math.floor((100 * n) / s.view.size) : 100);
    const changed = percent(doneBytes) !== percent(s.view.doneBytes);
    s.view = { ...s.view, doneBytes };
    if (changed) this.#onChange();
  }

  /** Posted: it leaves the list (its chat item shows it now). */
  done(id: string): void {
    if (this.#shares.delete(id)) this.#onChange();
  }

  /** It could not be prepared: shown with `code` until dismissed. */
  failed(id: string, code: FileErrorCode): void {
    const s = this.#shares.get(id);
    if (s) this.#update(s, { status: 'failed', error: code });
  }

  /** The user cancelled: a share being prepared stops (what it stored is removed), a queued one never starts. */
  cancel(id: string): void {
    const s = this.#shares.get(id);
    if (!s) return;
    s.abort.abort();
    this.#shares.delete(id);
    this.#onChange();
  }

  /** The user read why it failed. */
  dismiss(id: string): void {
    if (this.#shares.get(id)?.view.status === 'failed') this.done(id);
  }

  #update(s: Share, change: Partial<OutgoingShareView>): void {
    s.view = { ...s.view, ...change };
    this.#onChange();
  }
}
