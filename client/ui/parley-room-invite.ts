import { LitElement, css, html } from 'lit';
import type { RoomInviteLinkView, RoomView } from '../session/index.ts';
import { RoomInviteEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

const HOUR = 3_600_000;
const EXPIRY = [
  { label: '1 hour', ms: HOUR },
  { label: '1 day', ms: 24 * HOUR },
  { label: '7 days', ms: 7 * 24 * HOUR },
  { label: 'Never', ms: 0 },
] as const;
const USES = [
  { label: 'Once', n: 1 },
  { label: '5 times', n: 5 },
  { label: '25 times', n: 25 },
  { label: 'Unlimited', n: 0 },
] as const;

/**
 * "Invite to this room": signs a room invite (client/session/perms/room-invite.ts)
 * for one of the room's invite groups (token groups: `password: true`, whose
 * rules say what the invited may do) and shows the link to copy. Opening the
 * link signs in and enters the room; no password is shared. A room without
 * such a group says how to add one (the "Password room" preset in
 * Permissions…): nothing is added behind the user's back. A modal
 * `<dialog>`, every control labelled.
 * @fires room-invite - make-room-invite or close-room-invite
 */
export class ParleyRoomInvite extends LitElement {
  static override properties = {
    room: { attribute: false },
    link: { attribute: false },
  };

  declare room: RoomView | null;
  declare link: RoomInviteLinkView | null;

  constructor() {
    super();
    this.room = null;
    this.link = null;
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      dialog { max-width: 30rem; width: calc(100% - 2rem); border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--fg); padding: 1rem; }
      dialog::backdrop { background: rgb(0 0 0 / 40%); }
      label { display: block; margin: 0.4rem 0; }
      input.link { width: 100%; box-sizing: border-box; font: inherit; }
      .error { color: var(--danger-fg); }
    `,
  ];

  override updated(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && this.room && !dialog.open) dialog.showModal();
  }

  #close(): void {
    this.dispatchEvent(new RoomInviteEvent({ type: 'close-room-invite' }));
    this.dispatchEvent(new Event('close'));
  }

  #make(e: Event): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    if (!this.room) return;
    this.dispatchEvent(
      new RoomInviteEvent({
        type: 'make-room-invite',
        roomId: this.room.id,
        group: String(data.get('group') ?? ''),
        expiresInMs: Number(data.get('expiry') ?? 0),
        maxUses: Number(data.get('uses') ?? 0),
      }),
    );
  }

  async #copy(): Promise<void> {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input.link');
    if (!input) return;
    input.select();
    await navigator.clipboard?.writeText(input.value).catch(() => {});
  }

  override render() {
    const room = this.room;
    if (!room) return html``;
    const groups = (room.acl?.groups ?? []).filter((g) => g.password);
    const link = this.link?.roomId === room.id ? this.link : null;
    return html`<dialog aria-labelledby="room-invite-title" @close=${() => this.#close()}>
      <h2 id="room-invite-title">Invite to “${room.name}”</h2>
      ${groups.length === 0
        ? html`<p>This room has no invite group yet. In <strong>Permissions…</strong>, choose the <strong>Password room</strong> preset and save: its password group also takes invites (no password needs to be set). Then invite people into it here.</p>`
        : html`<form @submit=${(e: Event) => this.#make(e)}>
            <label>Invited people join the group
              <select name="group">${groups.map((g) => html`<option value=${g.name}>${g.name}</option>`)}</select>
            </label>
            <label>Link works for
              <select name="expiry">${EXPIRY.map((x) => html`<option value=${x.ms} ?selected=${x.ms === 24 * HOUR}>${x.label}</option>`)}</select>
            </label>
            <label>Can be used
              <select name="uses">${USES.map((x) => html`<option value=${x.n}>${x.label}</option>`)}</select>
            </label>
            <button type="submit" ?disabled=${link?.status === 'making'}>Make invite link</button>
          </form>`}
      ${link?.status === 'making' ? html`<p role="status">Signing the invite…</p>` : ''}
      ${link?.status === 'failed' ? html`<p class="error" role="alert">${link.message}</p>` : ''}
      ${link?.status === 'ready'
        ? html`<p role="status">Anyone who opens this link signs in and enters the room:</p>
            <label>Invite link <input class="link" readonly .value=${link.link} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} /></label>
            <button @click=${() => void this.#copy()}>Copy link</button>`
        : ''}
      <div><button @click=${() => this.renderRoot.querySelector('dialog')?.close()}>Close</button></div>
    </dialog>`;
  }
}
customElements.define('parley-room-invite', ParleyRoomInvite);

declare global {
  interface HTMLElementTagNameMap {
    'parley-room-invite': ParleyRoomInvite;
  }
}
