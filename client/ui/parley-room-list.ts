import { LitElement, css, html } from 'lit';
import type { RoomView, UserView } from '../session/index.ts';
import { JoinRoomEvent, VoiceCommandEvent } from './events.ts';

/**
 * The rooms and who is in each, with talking / muted / deafened markers.
 * Clicking a room (or Enter/Space on it) asks to join it. Every other user
 * has a volume button that opens a 0–200 % slider for how loud they play
 * here (kept per identity key, so it follows them across reconnects).
 * @fires join-room - with the room id
 * @fires voice-command - set-user-volume
 */
export class ParleyRoomList extends LitElement {
  static override properties = {
    rooms: { attribute: false },
    users: { attribute: false },
    talking: { attribute: false },
    currentRoomId: { type: String, attribute: 'current-room-id' },
    selfSessionId: { type: Number, attribute: 'self-session-id' },
    userVolumes: { attribute: false },
    volumeOpenFor: { state: true },
    unread: { attribute: false },
    directUnread: { attribute: false },
  };

  declare rooms: readonly RoomView[];
  declare users: readonly UserView[];
  declare talking: ReadonlySet<number>;
  declare currentRoomId: string;
  declare selfSessionId: number;
  /** Per-user volume by identity key (linear 0..2; absent = 1). */
  declare userVolumes: Readonly<Record<string, number>>;
  declare volumeOpenFor: number | null;
  /** Unread chat messages per room id (rooms with none are absent). */
  declare unread: ReadonlyMap<string, { readonly count: number; readonly mentioned: boolean }>;
  /** Unread direct messages per sender's public key hex. */
  declare directUnread: ReadonlyMap<string, number>;

  constructor() {
    super();
    this.rooms = [];
    this.users = [];
    this.talking = new Set();
    this.currentRoomId = '';
    this.selfSessionId = -1;
    this.userVolumes = {};
    this.volumeOpenFor = null;
    this.unread = new Map();
    this.directUnread = new Map();
  }

  static override styles = css`
    :host { display: block; }
    ul { list-style: none; margin: 0; padding: 0; }
    .room { margin: 0 0 0.5rem; border-radius: 10px; background: var(--panel); }
    .room-button { display: flex; width: 100%; align-items: center; gap: 0.5rem; padding: 0.7rem 0.9rem; font: inherit; font-weight: 600; text-align: left; color: var(--fg); background: none; border: 0; border-radius: 10px; cursor: pointer; min-height: 44px; }
    .room-button:hover { background: var(--hover); }
    .room-button:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
    .current .room-button { color: var(--accent); }
    .count { margin-left: auto; font-weight: 400; color: var(--muted); font-size: 0.85rem; }
    .unread { padding: 0 0.4rem; border-radius: 999px; background: var(--accent); color: white; font-size: 0.75rem; font-weight: 600; }
    .unread.mention { background: var(--danger-fg); }
    .users { padding: 0 0.9rem 0.6rem 2rem; }
    .user { display: flex; align-items: center; gap: 0.5rem; padding: 0.2rem 0; }
    .dot { width: 0.7rem; height: 0.7rem; border-radius: 50%; background: var(--border); flex: none; transition: background 80ms, box-shadow 80ms; }
    .talking .dot { background: var(--talk); box-shadow: 0 0 0 3px color-mix(in srgb, var(--talk) 35%, transparent); }
    .self { font-weight: 600; }
    .flag { font-size: 0.75rem; padding: 0 0.35rem; border-radius: 4px; background: var(--hover); color: var(--muted); }
    .user { flex-wrap: wrap; }
    .vol-button { margin-left: auto; font: inherit; font-size: 0.8rem; min-height: 32px; min-width: 44px; padding: 0.2rem 0.5rem; border-radius: 6px; border: 1px solid var(--border); background: var(--bg); color: var(--muted); cursor: pointer; }
    .vol-button.changed { color: var(--accent); border-color: var(--accent); }
    .vol-button:focus-visible, .vol input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .vol { flex-basis: 100%; display: flex; align-items: center; gap: 0.5rem; padding: 0.3rem 0 0.3rem 1.2rem; }
    .vol input { flex: 1; min-height: 32px; }
    .vol output { min-width: 3.5rem; text-align: right; font-variant-numeric: tabular-nums; }
  `;

  #volumeControl(u: UserView) {
    const pct = Math.round((this.userVolumes[u.publicKeyHex] ?? 1) * 100);
    const open = this.volumeOpenFor === u.sessionId;
    const id = `vol-${u.sessionId}`;
    return html`<button class="vol-button ${pct !== 100 ? 'changed' : ''}" aria-expanded=${open ? 'true' : 'false'} aria-controls=${id}
        aria-label=${`Volume for ${u.displayName}: ${pct}%`} @click=${() => (this.volumeOpenFor = open ? null : u.sessionId)}>${pct}%</button>
      ${open
        ? html`<div class="vol" id=${id}>
            <input type="range" min="0" max="200" step="5" .value=${String(pct)} aria-label=${`Volume for ${u.displayName}`} aria-valuetext=${`${pct} percent`}
              @input=${(e: Event) => this.dispatchEvent(new VoiceCommandEvent({ type: 'set-user-volume', publicKeyHex: u.publicKeyHex, volume: Number((e.target as HTMLInputElement).value) / 100 }))}
              @keydown=${(e: KeyboardEvent) => {
                if (e.key === 'Escape') this.volumeOpenFor = null;
              }} />
            <output>${pct}%</output>
          </div>`
        : ''}`;
  }

  #join(roomId: string): void {
    if (roomId !== this.currentRoomId) this.dispatchEvent(new JoinRoomEvent(roomId));
  }

  override render() {
    const rooms = [...this.rooms].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
    return html`<ul aria-label="Rooms">
      ${rooms.map((room) => {
        const members = this.users.filter((u) => u.roomId === room.id).sort((a, b) => a.displayName.localeCompare(b.displayName));
        const current = room.id === this.currentRoomId;
        const unread = this.unread.get(room.id);
        const unreadText = unread?.count ? `, ${unread.count} unread chat message${unread.count === 1 ? '' : 's'}${unread.mentioned ? ', you were mentioned' : ''}` : '';
        return html`<li class="room ${current ? 'current' : ''}" data-room-id=${room.id}>
          <button class="room-button" aria-current=${current ? 'true' : 'false'} @click=${() => this.#join(room.id)}
            aria-label=${`${room.name}, ${members.length} ${members.length === 1 ? 'person' : 'people'}${unreadText}${current ? ', you are here' : ', press to join'}`}>
            <span aria-hidden="true">#</span>${room.name}
            ${unread?.count ? html`<span class="unread ${unread.mentioned ? 'mention' : ''}" aria-hidden="true">${unread.count > 99 ? '99+' : unread.count}</span>` : ''}
            <span class="count" aria-hidden="true">${members.length}</span>
          </button>
          ${members.length
            ? html`<ul class="users" aria-label=${`People in ${room.name}`}>
                ${members.map((u) => {
                  const talking = this.talking.has(u.sessionId);
                  const self = u.sessionId === this.selfSessionId;
                  const dms = self ? 0 : (this.directUnread.get(u.publicKeyHex) ?? 0);
                  const states = [talking ? 'talking' : '', u.muted ? 'muted' : '', u.deafened ? 'deafened' : '', dms ? `${dms} unread direct message${dms === 1 ? '' : 's'}` : '']
                    .filter(Boolean)
                    .join(', ');
                  return html`<li class="user ${talking ? 'talking' : ''} ${self ? 'self' : ''}" data-session-id=${u.sessionId}
                      aria-label=${`${u.displayName}${self ? ' (you)' : ''}${states ? `, ${states}` : ''}`}>
                    <span class="dot" aria-hidden="true"></span>
                    <span class="name">${u.displayName}${self ? ' (you)' : ''}</span>
                    ${u.deafened ? html`<span class="flag" aria-hidden="true">deafened</span>` : u.muted ? html`<span class="flag" aria-hidden="true">muted</span>` : ''}
                    ${dms ? html`<span class="unread dm" aria-hidden="true" title="Unread direct messages">${dms > 99 ? '99+' : dms}</span>` : ''}
                    ${self ? '' : this.#volumeControl(u)}
                  </li>`;
                })}
              </ul>`
            : ''}
        </li>`;
      })}
    </ul>`;
  }
}
customElements.define('parley-room-list', ParleyRoomList);

declare global {
  interface HTMLElementTagNameMap {
    'parley-room-list': ParleyRoomList;
  }
}
