import { LitElement, css, html } from 'lit';
import type { RoomView } from '../session/index.ts';
import { OpenPermissionsEvent, OpenRoomInviteEvent, TreeEditEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

/** A fresh room id the relay accepts (`[a-z0-9-]`, ≤ 32). */
function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `r-${[...bytes].map((b) => (b % 36).toString(36)).join('')}`;
}

/**
 * An admin's actions on one room, all keyboard-reachable: rename, describe
 * and user limit, new room inside, "Move to…" (parent and position: the
 * keyboard alternative to drag and drop), and delete with a confirmation.
 * Shown as a modal `<dialog>`; closes after an action or on Escape.
 * @fires tree-edit - the change asked for
 * @fires close - the dialog was closed
 */
export class ParleyRoomDialog extends LitElement {
  static override properties = {
    room: { attribute: false },
    rooms: { attribute: false },
    _confirmDelete: { state: true },
  };

  declare room: RoomView | null;
  declare rooms: readonly RoomView[];
  declare _confirmDelete: boolean;

  constructor() {
    super();
    this.room = null;
    this.rooms = [];
    this._confirmDelete = false;
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      dialog { max-width: 30rem; width: calc(100% - 2rem); border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--fg); padding: 1rem; }
      dialog::backdrop { background: rgb(0 0 0 / 40%); }
      form { margin: 0 0 0.6rem; }
      textarea { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); }
      .row { display: flex; gap: 0.5rem; }
      .row > * { flex: 1; }
    `,
  ];

  override updated(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && this.room && !dialog.open) dialog.showModal();
  }

  #close(): void {
    this._confirmDelete = false;
    this.renderRoot.querySelector('dialog')?.close();
  }

  #emit(edit: TreeEditEvent['edit']): void {
    this.dispatchEvent(new TreeEditEvent(edit));
    this.#close();
  }

  #value(id: string): string {
    return (this.renderRoot.querySelector(`#${id}`) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null)?.value ?? '';
  }

  /** Rooms `room` may move into: not itself or anything inside it. */
  #targets(room: RoomView): RoomView[] {
    const banned = new Set([room.id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of this.rooms) if (!banned.has(r.id) && banned.has(r.parentId)) banned.add(r.id), (grew = true);
    }
    return this.rooms.filter((r) => !banned.has(r.id));
  }

  override render() {
    const room = this.room;
    if (!room) return html``;
    const isRoot = !room.parentId || !this.rooms.some((r) => r.id === room.parentId);
    const prevent = (fn: () => void) => (e: Event) => {
      e.preventDefault();
      fn();
    };
    return html`<dialog aria-labelledby="room-dialog-title" @close=${() => this.dispatchEvent(new Event('close'))}>
      <h2 id="room-dialog-title">Room “${room.name}”</h2>
      <form @submit=${prevent(() => this.#emit({ kind: 'room.rename', args: { roomId: room.id, name: this.#value('rename-name').trim() } }))}>
        <label for="rename-name">Name</label>
        <input id="rename-name" .value=${room.name} maxlength="64" required />
        <button type="submit">Rename</button>
      </form>
      <form @submit=${prevent(() => this.#emit({ kind: 'room.describe', args: { roomId: room.id, description: this.#value('describe-text'), userLimit: Math.max(0, Math.floor(Number(this.#value('user-limit')) || 0)) } }))}>
        <label for="describe-text">Description</label>
        <textarea id="describe-text" rows="2" maxlength="500" .value=${room.description ?? ''}></textarea>
        <label for="user-limit">User limit (0 = none)</label>
        <input id="user-limit" type="number" min="0" max="10000" .value=${String(room.userLimit ?? 0)} />
        <button type="submit">Save description and limit</button>
      </form>
      <form @submit=${prevent(() => this.#emit({ kind: 'room.create', args: { roomId: newRoomId(), parentId: room.id, name: this.#value('child-name').trim(), index: 0xffff, description: '', userLimit: 0 } }))}>
        <label for="child-name">New room inside “${room.name}”</label>
        <input id="child-name" maxlength="64" required />
        <button type="submit">Create room</button>
      </form>
      ${isRoot
        ? ''
        : html`<form @submit=${prevent(() => this.#emit({ kind: 'room.move', args: { roomId: room.id, parentId: this.#value('move-parent'), index: Math.max(0, (Number(this.#value('move-position')) || 1) - 1) } }))}>
            <div class="row">
              <div>
                <label for="move-parent">Move to…</label>
                <select id="move-parent">
                  ${this.#targets(room).map((r) => html`<option value=${r.id} ?selected=${r.id === room.parentId}>${r.name}</option>`)}
                </select>
              </div>
              <div>
                <label for="move-position">Position (1 = first)</label>
                <input id="move-position" type="number" min="1" .value=${String(room.position + 1)} />
              </div>
            </div>
            <button type="submit">Move</button>
          </form>
          ${this._confirmDelete
            ? html`<div class="confirm" role="alert">
                <p>Delete “${room.name}” and every room inside it? People in them move up to the room above.</p>
                <button class="danger" @click=${() => this.#emit({ kind: 'room.delete', args: { roomId: room.id } })}>Delete for good</button>
                <button @click=${() => (this._confirmDelete = false)}>Keep it</button>
              </div>`
            : html`<button class="danger" @click=${() => (this._confirmDelete = true)}>Delete room…</button>`}`}
      <div>
        <button @click=${() => {
          this.dispatchEvent(new OpenPermissionsEvent(room.id));
          this.#close();
        }}>Permissions…</button>
        <button @click=${() => {
          this.dispatchEvent(new OpenRoomInviteEvent(room.id));
          this.#close();
        }}>Invite to this room…</button>
        <button @click=${() => this.#close()}>Close</button>
      </div>
    </dialog>`;
  }
}
customElements.define('parley-room-dialog', ParleyRoomDialog);

declare global {
  interface HTMLElementTagNameMap {
    'parley-room-dialog': ParleyRoomDialog;
  }
}
