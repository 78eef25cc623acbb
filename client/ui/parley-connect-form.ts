import { LitElement, css, html } from 'lit';
import type { State } from '../session/index.ts';
import { ConnectRequestEvent } from './events.ts';
import { storageNameStore } from './name-store.ts';

/** Where the form remembers the name it signed in with (the page's localStorage). */
const names = storageNameStore();

/**
 * Sign-in form: display name (remembered) and optional server password.
 * @fires connect-request - with the trimmed name and password
 */
export class ParleyConnectForm extends LitElement {
  static override properties = {
    busy: { type: Boolean },
    error: { type: String },
    fingerprint: { type: String },
    serverName: { type: String, attribute: 'server-name' },
    unsent: { type: Number },
    invite: { attribute: false },
  };

  declare busy: boolean;
  declare error: string;
  declare fingerprint: string;
  declare serverName: string;
  /** Chat messages typed earlier and still waiting to be sent. */
  declare unsent: number;
  /** The invite this page was opened with, shown above the form. */
  declare invite: State['invite'];

  constructor() {
    super();
    this.busy = false;
    this.error = '';
    this.fingerprint = '';
    this.serverName = '';
    this.unsent = 0;
    this.invite = null;
  }

  static override styles = css`
    :host { display: block; max-width: 24rem; margin: 10vh auto; padding: 1.5rem; background: var(--panel); border-radius: 12px; }
    h1 { margin: 0 0 1rem; font-size: 1.4rem; }
    label { display: block; margin: 0.75rem 0 0.25rem; font-weight: 600; }
    input { width: 100%; box-sizing: border-box; padding: 0.6rem; font: inherit; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); }
    button { margin-top: 1rem; width: 100%; padding: 0.7rem; font: inherit; font-weight: 600; border: 0; border-radius: 8px; background: var(--accent); color: white; cursor: pointer; }
    button[disabled] { opacity: 0.6; cursor: progress; }
    .error { margin-top: 1rem; padding: 0.6rem; border-radius: 8px; background: var(--danger-bg); color: var(--danger-fg); }
    .fp { margin-top: 1rem; font-size: 0.85rem; color: var(--muted); word-break: break-all; }
    .hint { font-size: 0.85rem; color: var(--muted); }
    .unsent { margin-top: 1rem; padding: 0.6rem; border-radius: 8px; background: var(--hover); font-size: 0.9rem; }
    .invite { margin: 0 0 0.5rem; padding: 0.6rem; border-radius: 8px; background: var(--hover); }
  `;

  #submit(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (!name) return;
    names.save(name);
    this.dispatchEvent(new ConnectRequestEvent(name, password));
  }

  override render() {
    const saved = names.load();
    return html`
      <form @submit=${this.#submit} aria-busy=${this.busy ? 'true' : 'false'}>
        <h1>Join ${this.serverName || 'Parley'}</h1>
        ${this.invite
          ? html`<p class="invite" role="status">
              You are invited as <strong>${this.invite.role}</strong>${this.invite.expiresAtMs
                ? html` (link valid until ${new Date(this.invite.expiresAtMs).toLocaleString()})`
                : ''}. Connect to accept.
            </p>`
          : ''}
        <label for="name">Display name</label>
        <input id="name" name="name" autocomplete="nickname" required maxlength="32" .value=${saved} placeholder="How others see you" />
        <label for="password">Server password <span class="hint">(if the relay has one)</span></label>
        <input id="password" name="password" type="password" autocomplete="current-password" />
        <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Connecting…' : 'Connect'}</button>
        ${this.error ? html`<div class="error" role="alert">${this.error}</div>` : ''}
        ${this.unsent
          ? html`<div class="unsent" role="status">${this.unsent === 1 ? '1 chat message you typed is' : `${this.unsent} chat messages you typed are`} waiting: ${this.unsent === 1 ? 'it goes' : 'they go'} out when you connect.</div>`
          : ''}
        ${this.fingerprint ? html`<div class="fp">Your identity key: <code>${this.fingerprint}</code></div>` : ''}
      </form>
    `;
  }
}
customElements.define('parley-connect-form', ParleyConnectForm);

declare global {
  interface HTMLElementTagNameMap {
    'parley-connect-form': ParleyConnectForm;
  }
}
