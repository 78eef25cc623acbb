import { LitElement, css, html } from 'lit';
import type { TemplateResult } from 'lit';
import { evaluate, has } from '../../perms/index.ts';
import type { PermState, Subject } from '../../perms/index.ts';
import type { RoomView } from '../session/tree/room-view.ts';

/** The permissions "view as" paints on every room, with their icons. */
const SHOWN = [
  { p: 'see', icon: '👁', word: 'see' },
  { p: 'enter', icon: '🚪', word: 'enter' },
  { p: 'speak', icon: '🎙', word: 'speak' },
  { p: 'text', icon: '💬', word: 'chat' },
] as const;

/**
 * "View as": the whole room tree painted for one subject. Each room shows
 * whether they may see, enter, speak and chat there (icons with a text
 * alternative: the room's accessible name says it in words), and a room they
 * may not see is marked hidden, with everything below it.
 */
export class ParleyPermsViewAs extends LitElement {
  static override properties = {
    rooms: { attribute: false },
    permState: { attribute: false },
    subject: { attribute: false },
    label: { type: String },
  };

  declare rooms: readonly RoomView[];
  declare permState: PermState;
  declare subject: Subject;
  /** "a guest", "Ana": used in the list's name. */
  declare label: string;

  constructor() {
    super();
    this.rooms = [];
    this.permState = { rooms: new Map() };
    this.subject = { keyHex: null, role: 'guest', roomId: null };
    this.label = '';
  }

  static override styles = css`
    :host { display: block; }
    ul { list-style: none; margin: 0; padding: 0; }
    ul ul { padding-left: 1rem; border-left: 2px solid var(--border); margin-left: 0.5rem; }
    .room { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: baseline; padding: 0.3rem 0; }
    .name { font-weight: 600; overflow-wrap: anywhere; }
    .hidden > .room .name { text-decoration: line-through; color: var(--muted); }
    .perm { font-size: 0.85rem; padding: 0 0.3rem; border-radius: 4px; background: var(--hover); }
    .perm.no { color: var(--danger-fg); background: var(--danger-bg); }
    .tag { font-size: 0.8rem; color: var(--danger-fg); }
  `;

  #item(room: RoomView, byParent: Map<string, RoomView[]>, hiddenAbove: boolean): TemplateResult {
    const perms = evaluate(this.permState, this.subject, room.id).permissions;
    const hidden = hiddenAbove || !has(perms, 'see');
    const words = SHOWN.map((s) => `${has(perms, s.p) ? 'can' : 'cannot'} ${s.word}`).join(', ');
    const name = hidden ? `${room.name}: hidden` : `${room.name}: ${words}`;
    const children = byParent.get(room.id) ?? [];
    return html`<li class=${hidden ? 'hidden' : ''} data-room-id=${room.id} data-hidden=${hidden ? 'true' : 'false'} aria-label=${name}>
      <div class="room">
        <span class="name">${room.name}</span>
        ${hidden
          ? html`<span class="tag" aria-hidden="true">hidden</span>`
          : SHOWN.map((s) => html`<span class="perm ${has(perms, s.p) ? 'yes' : 'no'}" data-perm=${s.p} aria-hidden="true" title=${`${has(perms, s.p) ? 'can' : 'cannot'} ${s.word}`}>${s.icon}${has(perms, s.p) ? '✓' : '✗'}</span>`)}
      </div>
      ${children.length ? html`<ul>${children.map((c) => this.#item(c, byParent, hidden))}</ul>` : ''}
    </li>`;
  }

  override render() {
    const ids = new Set(this.rooms.map((r) => r.id));
    const byParent = new Map<string, RoomView[]>();
    const tops: RoomView[] = [];
    for (const r of [...this.rooms].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name))) {
      if (r.parentId && ids.has(r.parentId)) byParent.set(r.parentId, [...(byParent.get(r.parentId) ?? []), r]);
      else tops.push(r);
    }
    return html`<ul aria-label=${`Rooms as ${this.label} sees them`}>${tops.map((r) => this.#item(r, byParent, false))}</ul>`;
  }
}
customElements.define('parley-perms-view-as', ParleyPermsViewAs);

declare global {
  interface HTMLElementTagNameMap {
    'parley-perms-view-as': ParleyPermsViewAs;
  }
}
