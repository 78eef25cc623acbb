import { LitElement, css, html } from 'lit';
import type { RoomPasswordPrompt } from '../session/index.ts';
import { RoomPasswordEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

/**
 * Asks for a room's password when entering it was refused and a password
 * group would let this user in (client/session/perms/room-password.ts). A
 * modal `<dialog>` with a labelled password field; a wrong password shows an
 * error tied to the field (`aria-describedby`, `aria-invalid`) and keeps the
 * dialog open. The password is sent once with JoinRoom and then forgotten:
 * the field is emptied after sending, nothing is stored.
 * @fires room-password - join-room with the password, or cancel-room-password
 */
export class ParleyRoomPassword extends LitElement {
  static override properties = {
    prompt: { attribute: false },
    roomName: { type: String, attribute: 'room-name' },
    _busy: { state: true },
  };

  declare prompt: RoomPasswordPrompt | null;
  declare roomName: string;
  /** Sent, waiting for the relay's answer (a new prompt state clears it). */
  declare _busy: boolean;

  constructor() {
    super();
    this.prompt = null;
    this.roomName = '';
    this._busy = false;
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      dialog { max-width: 24rem; width: calc(100% - 2rem); border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--fg); padding: 1rem; }
      dialog::backdrop { background: rgb(0 0 0 / 40%); }
      .error { color: var(--danger-fg); }
    `,
  ];

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('prompt')) this._busy = false;
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && this.prompt && !dialog.open) dialog.showModal();
    if (changed.has('prompt') && this.prompt?.wrong) this.renderRoot.querySelector<HTMLInputElement>('#room-password')?.focus();
  }

  #submit(e: Event): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#room-password');
    const prompt = this.prompt;
    if (!input || !prompt || input.value === '') return;
    const password = input.value;
    input.value = '';
    this._busy = true;
    this.dispatchEvent(new RoomPasswordEvent({ type: 'join-room', roomId: prompt.roomId, password }));
  }

  #cancel(): void {
    this.dispatchEvent(new RoomPasswordEvent({ type: 'cancel-room-password' }));
  }

  override render() {
    const prompt = this.prompt;
    if (!prompt) return html``;
    const name = this.roomName || prompt.roomId;
    return html`<dialog aria-labelledby="room-password-title" @cancel=${(e: Event) => {
      e.preventDefault();
      this.#cancel();
    }}>
      <h2 id="room-password-title">“${name}” needs a password</h2>
      <form @submit=${(e: Event) => this.#submit(e)}>
        <label for="room-password">Password for “${name}”</label>
        <input id="room-password" type="password" autocomplete="off" required maxlength="1024"
          aria-invalid=${prompt.wrong ? 'true' : 'false'} aria-describedby=${prompt.wrong ? 'room-password-error' : ''} />
        ${prompt.wrong
          ? html`<p id="room-password-error" class="error" role="alert">That password is wrong. Too many wrong tries lock this address out for a while.</p>`
          : html`<p class="hint">Whoever knows this room's password may enter it; the relay remembers you afterwards.</p>`}
        <div>
          <button type="submit" ?disabled=${this._busy}>${this._busy ? 'Entering…' : 'Enter'}</button>
          <button type="button" @click=${() => this.#cancel()}>Cancel</button>
        </div>
      </form>
    </dialog>`;
  }
}
customElements.define('parley-room-password', ParleyRoomPassword);

declare global {
  interface HTMLElementTagNameMap {
    'parley-room-password': ParleyRoomPassword;
  }
}
