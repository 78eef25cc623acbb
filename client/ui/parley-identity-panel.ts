import { LitElement, css, html } from 'lit';
import { BackupError, MIN_PASSPHRASE_CHARS } from '../../keys/index.ts';
import type { BackupErrorCode } from '../../keys/index.ts';
import { nameCharFault } from '../../proto/name-rules.ts';
import type { IdentityActions } from '../identity-actions.ts';
import { RenameEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

const BACKUP_ERROR_TEXT: Record<BackupErrorCode, string> = {
  damaged: 'This file is not a Parley backup, or it is damaged. Nothing was changed.',
  unsupported: 'This backup was made by a newer Parley. Nothing was changed.',
  'wrong-passphrase': 'Wrong passphrase. Nothing was changed.',
  'weak-passphrase': `Choose a passphrase of at least ${MIN_PASSPHRASE_CHARS} characters.`,
  unavailable: 'This key was created without a backup and cannot leave this browser.',
};

const STATUS_TEXT = {
  needed: 'New key: back it up now. This is the only time it can be exported; afterwards Parley keeps only the encrypted copy.',
  saved: 'An encrypted backup exists. Enter its passphrase to download it again.',
  available: 'This browser stores your key without WebCrypto protection; you can back it up at any time.',
  lost: 'This key was created without a backup: it cannot be moved to another browser.',
} as const;

type Busy = '' | 'export' | 'import' | 'reset';

/**
 * The user's identity: fingerprint, display name (changed live), encrypted
 * backup download, import from a backup file, and reset with confirmation.
 * @fires rename - with the new display name
 */
export class ParleyIdentityPanel extends LitElement {
  static override properties = {
    fingerprint: { type: String },
    displayName: { type: String, attribute: 'display-name' },
    actions: { attribute: false },
    _busy: { state: true },
    _message: { state: true },
    _error: { state: true },
    _confirmReset: { state: true },
  };

  declare fingerprint: string;
  declare displayName: string;
  declare actions: IdentityActions | null;
  declare _busy: Busy;
  declare _message: string;
  declare _error: string;
  declare _confirmReset: boolean;

  constructor() {
    super();
    this.fingerprint = '';
    this.displayName = '';
    this.actions = null;
    this._busy = '';
    this._message = '';
    this._error = '';
    this._confirmReset = false;
  }

  static override styles = [
    panelStyles,
    css`
      .fp code { font-size: 1.05rem; letter-spacing: 0.03em; }
      .needed { border-left: 4px solid var(--danger-fg); padding-left: 0.6rem; }
    `,
  ];

  #value(id: string): string {
    return this.renderRoot.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '';
  }

  #report(e: unknown): void {
    this._message = '';
    this._error = e instanceof BackupError ? BACKUP_ERROR_TEXT[e.code] : `Something went wrong: ${e instanceof Error ? e.message : String(e)}`;
  }

  #rename(e: Event): void {
    e.preventDefault();
    const name = this.#value('display-name').trim();
    if (!name) return;
    // The relay's rule (proto/name-rules.ts): said here rather than as a refusal from the relay.
    if (nameCharFault(name) !== null) {
      this._message = '';
      this._error = 'A display name needs a visible character and no control or text-direction characters.';
      return;
    }
    this.dispatchEvent(new RenameEvent(name));
    this._error = '';
    this._message = 'Display name changed.';
  }

  async #export(e: Event): Promise<void> {
    e.preventDefault();
    if (!this.actions) return;
    const pass = this.#value('backup-pass');
    if (this.actions.backupStatus !== 'saved' && pass !== this.#value('backup-pass2')) {
      this._message = '';
      this._error = 'The two passphrases differ.';
      return;
    }
    this._busy = 'export';
    try {
      const text = await this.actions.exportBackup(pass);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `parley-identity-${this.fingerprint || 'backup'}.json`;
      this.renderRoot.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this._error = '';
      this._message = 'Backup downloaded. Keep the file and remember the passphrase: Parley cannot recover either.';
      (this.renderRoot.querySelector('#backup-form') as HTMLFormElement | null)?.reset();
    } catch (err) {
      this.#report(err);
    } finally {
      this._busy = '';
    }
  }

  async #import(e: Event): Promise<void> {
    e.preventDefault();
    const file = this.renderRoot.querySelector<HTMLInputElement>('#import-file')?.files?.[0];
    if (!this.actions || !file) {
      this._error = 'Choose a backup file first.';
      return;
    }
    this._busy = 'import';
    try {
      // A backup is ~500 bytes; refuse to read anything large into memory.
      if (file.size > 64 * 1024) throw new BackupError('damaged', 'file too large');
      await this.actions.importBackup(await file.text(), this.#value('import-pass'));
      this._error = '';
      this._message = 'Identity imported. Reloading…';
    } catch (err) {
      this.#report(err);
    } finally {
      this._busy = '';
    }
  }

  async #reset(): Promise<void> {
    if (!this.actions) return;
    this._busy = 'reset';
    try {
      await this.actions.reset();
      this._message = 'Identity forgotten. Reloading…';
    } catch (err) {
      this.#report(err);
    } finally {
      this._busy = '';
      this._confirmReset = false;
    }
  }

  override render() {
    const status = this.actions?.backupStatus ?? 'lost';
    const busy = this._busy !== '';
    return html`<section aria-labelledby="identity-title">
      <h2 id="identity-title">Your identity</h2>
      <p class="fp">Fingerprint: <code>${this.fingerprint}</code></p>
      <p class="hint">Your key is who you are on Parley; your name is just a label you can change.</p>

      <form @submit=${this.#rename} class="row">
        <label for="display-name">Display name</label>
        <input id="display-name" maxlength="32" autocomplete="nickname" .value=${this.displayName} required />
        <button type="submit">Change name</button>
      </form>

      <h3>Backup</h3>
      <p class=${status === 'needed' ? 'needed' : 'hint'} data-status=${status}>${STATUS_TEXT[status]}</p>
      ${status === 'lost'
        ? ''
        : html`<form id="backup-form" @submit=${this.#export}>
            <label for="backup-pass">${status === 'saved' ? 'Backup passphrase' : 'Choose a passphrase'}</label>
            <input id="backup-pass" type="password" autocomplete="new-password" required minlength=${status === 'saved' ? 1 : MIN_PASSPHRASE_CHARS} />
            ${status === 'saved'
              ? ''
              : html`<label for="backup-pass2">Repeat the passphrase</label>
                  <input id="backup-pass2" type="password" autocomplete="new-password" required />`}
            <button type="submit" ?disabled=${busy}>${this._busy === 'export' ? 'Encrypting…' : 'Download encrypted backup'}</button>
          </form>`}

      <h3>Import</h3>
      <form @submit=${this.#import}>
        <label for="import-file">Backup file</label>
        <input id="import-file" type="file" accept=".json,application/json" required />
        <label for="import-pass">Its passphrase</label>
        <input id="import-pass" type="password" autocomplete="current-password" required />
        <button type="submit" ?disabled=${busy}>${this._busy === 'import' ? 'Importing…' : 'Import and replace this identity'}</button>
      </form>

      <h3>Reset</h3>
      ${this._confirmReset
        ? html`<div role="alertdialog" aria-labelledby="reset-q" class="confirm">
            <p id="reset-q">Forget this identity? Without a backup nobody can be this user again, and admins will see a stranger.</p>
            <button class="danger" @click=${this.#reset} ?disabled=${busy}>Forget identity</button>
            <button @click=${() => (this._confirmReset = false)}>Cancel</button>
          </div>`
        : html`<button class="danger" @click=${() => (this._confirmReset = true)}>Forget this identity…</button>`}

      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
      ${this._message ? html`<p class="ok" role="status">${this._message}</p>` : ''}
    </section>`;
  }
}
customElements.define('parley-identity-panel', ParleyIdentityPanel);

declare global {
  interface HTMLElementTagNameMap {
    'parley-identity-panel': ParleyIdentityPanel;
  }
}
