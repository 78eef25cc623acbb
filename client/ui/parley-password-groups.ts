import { LitElement, css, html } from 'lit';
import type { RoomPasswordSetView } from '../session/index.ts';
import { RoomPasswordEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

/**
 * The password groups saved on a room, each with "Set password…": a labelled
 * password field to set (or clear) it with SetRoomPassword, and the relay's
 * answer (PermsResult) as a status line. The password is sent once and the
 * field emptied; the relay keeps only a salted hash. Part of the permissions dialog.
 * @fires room-password - set-room-password for a group
 */
export class ParleyPasswordGroups extends LitElement {
  static override properties = {
    roomId: { type: String, attribute: 'room-id' },
    groups: { attribute: false },
    result: { attribute: false },
    _open: { state: true },
  };

  declare roomId: string;
  /** Names of the password groups saved on this room (a draft one must be saved first). */
  declare groups: readonly string[];
  /** The last SetRoomPassword and its answer (shown when it is about this room). */
  declare result: RoomPasswordSetView | null;
  /** The group whose password form is open ('' = none). */
  declare _open: string;

  constructor() {
    super();
    this.roomId = '';
    this.groups = [];
    this.result = null;
    this._open = '';
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      li { display: flex; flex-wrap: wrap; gap: 0.25rem 0.5rem; align-items: center; }
      .error { color: var(--danger-fg); }
    `,
  ];

  #send(e: Event, group: string, clear: boolean): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#group-password');
    const password = clear ? '' : (input?.value ?? '');
    if (!clear && password === '') return;
    if (input) input.value = '';
    this._open = '';
    this.dispatchEvent(new RoomPasswordEvent({ type: 'set-room-password', roomId: this.roomId, group, password }));
  }

  #status() {
    const r = this.result;
    if (!r || r.roomId !== this.roomId) return html`<p role="status" aria-live="polite" id="password-status"></p>`;
    const text = r.status === 'sending' ? `Sending the password of “${r.group}”…`
      : r.status === 'done' ? (r.cleared ? `The password of “${r.group}” is cleared; nobody enters by password now.` : `The password of “${r.group}” is set. Whoever was admitted by an older one must enter it again.`)
      : `The password of “${r.group}” was not changed: ${r.message || 'the relay refused it'}.`;
    return html`<p role="status" aria-live="polite" id="password-status" class=${r.status === 'failed' ? 'error' : ''}>${text}</p>`;
  }

  override render() {
    if (this.groups.length === 0) return html`<p class="hint">No password groups here. Add a group with “password” on (or the password-room preset) and save, then set its password.</p>`;
    return html`<ul aria-label="Password groups">
      ${this.groups.map((g) => html`<li data-group=${g}>
        <span>${g}</span>
        ${this._open === g
          ? html`<form @submit=${(e: Event) => this.#send(e, g, false)}>
              <label for="group-password">New password for “${g}”</label>
              <input id="group-password" type="password" autocomplete="new-password" maxlength="1024" required />
              <button type="submit">Set</button>
              <button type="button" @click=${(e: Event) => this.#send(e, g, true)}>Clear the password</button>
              <button type="button" @click=${() => (this._open = '')}>Cancel</button>
            </form>`
          : html`<button aria-label=${`Set password… of ${g}`} @click=${() => (this._open = g)}>Set password…</button>`}
      </li>`)}
    </ul>
    ${this.#status()}`;
  }
}
customElements.define('parley-password-groups', ParleyPasswordGroups);

declare global {
  interface HTMLElementTagNameMap {
    'parley-password-groups': ParleyPasswordGroups;
  }
}
