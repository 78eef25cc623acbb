import { LitElement, css, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { MAX_CHAT_CHARS, chatCharCount } from '../../proto/index.ts';
import { directKey, errorText, initialChatState, mentionsName, parseConversationKey, unreadCount } from '../session/index.ts';
import type { ChatCommand, ChatState, ConversationKey, RoomView, UserView } from '../session/index.ts';
import { messageItem, pendingItem } from './chat-message-item.ts';
import { ChatCommandEvent } from './events.ts';
import { FileShareEvent } from './file-events.ts';
import type { FileCardData, OutgoingShareView } from './file-events.ts';

/** Distance from the top of the log, px, at which scrolling up loads older messages. */
const LOAD_OLDER_AT_PX = 48;

/**
 * The chat panel: conversation switcher (current room and direct messages),
 * the message log, and the compose box. Enter sends, Shift+Enter starts a new
 * line. Scrolling to the top (or the "Load older" button) pages back.
 * @fires chat-command - every user action, as a session ChatCommand
 */
export class ParleyChatPanel extends LitElement {
  static override properties = {
    chat: { attribute: false },
    rooms: { attribute: false },
    tempRooms: { attribute: false },
    users: { attribute: false },
    selfKeyHex: { type: String, attribute: 'self-key-hex' },
    selfName: { type: String, attribute: 'self-name' },
    isAdmin: { type: Boolean, attribute: 'is-admin' },
    online: { type: Boolean },
    files: { attribute: false },
    outgoing: { attribute: false },
    _editing: { state: true },
    _draftChars: { state: true },
  };

  declare chat: ChatState;
  declare rooms: readonly RoomView[];
  /** The temporary rooms this session knows: their chat is live only (not kept), which the panel says. */
  declare tempRooms: readonly RoomView[];
  declare users: readonly UserView[];
  declare selfKeyHex: string;
  declare selfName: string;
  declare isAdmin: boolean;
  declare online: boolean;
  /** File cards by message id (or pending id): filled by the file-sharing layer. */
  declare files: ReadonlyMap<string, FileCardData>;
  /** Shares not posted yet, of every conversation (this panel shows the open one's). */
  declare outgoing: readonly OutgoingShareView[];
  declare _editing: string | null;
  declare _draftChars: number;
  #scroll: { atBottom: boolean; height: number; firstSeq: number; active: string | null } | null = null;

  constructor() {
    super();
    this.chat = initialChatState;
    this.rooms = [];
    this.tempRooms = [];
    this.users = [];
    this.selfKeyHex = '';
    this.selfName = '';
    this.isAdmin = false;
    this.online = true;
    this.files = new Map();
    this.outgoing = [];
    this._editing = null;
    this._draftChars = 0;
  }

  static override styles = css`
    :host { display: flex; flex-direction: column; min-height: 0; background: var(--panel); border-radius: 10px; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    nav { display: flex; flex-wrap: wrap; gap: 0.35rem; align-items: center; padding: 0.6rem; border-bottom: 1px solid var(--border); }
    nav button, select, .compose button, .actions button, .edit button, .older { font: inherit; font-size: 0.9rem; padding: 0.35rem 0.7rem; min-height: 36px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    nav button[aria-current='true'] { border-color: var(--accent); color: var(--accent); font-weight: 600; }
    select { max-width: 12rem; }
    .count { display: inline-block; min-width: 1.2rem; margin-left: 0.3rem; padding: 0 0.3rem; border-radius: 999px; background: var(--accent); color: white; font-size: 0.75rem; text-align: center; }
    .count.mention { background: var(--danger-fg); }
    .log { flex: 1; min-height: 12rem; max-height: 60vh; overflow-y: auto; padding: 0.5rem 0.75rem; }
    .log:focus-visible, button:focus-visible, select:focus-visible, textarea:focus-visible, .author:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    ol { list-style: none; margin: 0; padding: 0; }
    .msg { padding: 0.35rem 0.4rem; border-radius: 8px; }
    .msg:hover, .msg:focus-within { background: var(--hover); }
    .msg.mention { background: color-mix(in srgb, var(--accent) 14%, transparent); }
    .meta { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: baseline; font-size: 0.8rem; color: var(--muted); }
    .author { font-weight: 600; color: var(--fg); font-size: 0.9rem; cursor: help; }
    .text { margin: 0.15rem 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
    .text.gone { font-style: italic; color: var(--muted); }
    .text a { color: var(--accent); }
    .badge { padding: 0 0.35rem; border-radius: 4px; background: var(--hover); }
    .badge.warn, .unverified .author { color: var(--danger-fg); }
    .pending .text { opacity: 0.7; }
    .refused { margin: 0.25rem 0; padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--danger-bg); color: var(--danger-fg); }
    .refused button { margin-left: 0.5rem; font: inherit; background: none; border: 0; color: inherit; text-decoration: underline; cursor: pointer; }
    .actions { margin-left: auto; display: inline-flex; gap: 0.3rem; }
    .actions button { min-height: 28px; padding: 0.1rem 0.5rem; font-size: 0.8rem; }
    .loading { display: flex; align-items: center; gap: 0.5rem; font-size: 0.85rem; color: var(--muted); padding: 0.3rem; }
    .loading progress { width: 5rem; }
    .older { display: block; margin: 0 auto 0.5rem; }
    .empty { color: var(--muted); font-size: 0.9rem; padding: 0.5rem; }
    .unkept { margin: 0; padding: 0.5rem 0.75rem; font-size: 0.85rem; color: var(--muted); border-bottom: 1px solid var(--border); }
    .compose { display: grid; grid-template-columns: 1fr auto; gap: 0.4rem; padding: 0.6rem; border-top: 1px solid var(--border); }
    .compose label { grid-column: 1 / -1; font-size: 0.85rem; font-weight: 600; }
    textarea { font: inherit; padding: 0.5rem; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); resize: vertical; min-height: 2.6rem; width: 100%; box-sizing: border-box; }
    .hint { grid-column: 1 / -1; font-size: 0.8rem; color: var(--muted); }
    .hint.over { color: var(--danger-fg); }
    .send { display: flex; flex-direction: column; gap: 0.3rem; }
    .edit { display: flex; flex-wrap: wrap; gap: 0.3rem; margin-top: 0.2rem; }
  `;

  /** Files dropped on the panel or picked with the button go to the open conversation. */
  #share(files: FileList | null | undefined): void {
    const key = this.#active;
    if (key && files && files.length) this.dispatchEvent(new FileShareEvent(key, [...files]));
  }

  #onDragOver = (e: DragEvent): void => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  };

  #onDrop = (e: DragEvent): void => {
    if (!e.dataTransfer?.files.length) return;
    e.preventDefault();
    this.#share(e.dataTransfer.files);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('dragover', this.#onDragOver);
    this.addEventListener('drop', this.#onDrop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('dragover', this.#onDragOver);
    this.removeEventListener('drop', this.#onDrop);
  }

  /** The card of a shared file; the card's code loads on first use, keeping it out of the first page load. */
  #attachment(id: string) {
    const f = this.files.get(id);
    if (!f) return nothing;
    if (!customElements.get('parley-file-card')) void import('./files/index.ts');
    return html`<parley-file-card .offer=${f.offer} .transfer=${f.transfer} availability=${f.availability} .previewUrl=${f.previewUrl}></parley-file-card>`;
  }

  /** The open conversation's shares being prepared; their code loads with the first one. */
  #outgoing(key: string) {
    const shares = this.outgoing.filter((s) => s.conversation === key);
    if (shares.length === 0) return nothing;
    if (!customElements.get('parley-file-outgoing')) void import('./files/index.ts');
    return html`<parley-file-outgoing .shares=${shares}></parley-file-outgoing>`;
  }

  #emit(command: ChatCommand): void {
    this.dispatchEvent(new ChatCommandEvent(command));
  }

  get #active(): ConversationKey | null {
    return this.chat.active;
  }

  #title(key: ConversationKey): string {
    const place = parseConversationKey(key);
    if (!place) return '';
    if (place.kind === 'room') return `#${this.rooms.find((r) => r.id === place.roomId)?.name ?? place.roomId}`;
    const online = this.users.find((u) => u.publicKeyHex === place.peerKeyHex);
    return `@${online?.displayName ?? (this.chat.conversations.get(key)?.peerName || place.peerKeyHex.slice(0, 8))}`;
  }

  #log(): HTMLElement | null {
    return this.renderRoot.querySelector('.log');
  }

  override willUpdate(changed: PropertyValues): void {
    // Only a chat change moves the log (see updated); measuring forces a layout of the whole page, which at sign-in is thousands of rooms and people.
    if (!changed.has('chat')) return;
    const log = this.#log();
    const c = this.#active ? this.chat.conversations.get(this.#active) : undefined;
    this.#scroll = log
      ? { atBottom: log.scrollHeight - log.scrollTop - log.clientHeight < 24, height: log.scrollHeight, firstSeq: c?.messages[0]?.seq ?? 0, active: this.#active }
      : null;
  }

  override updated(changed: PropertyValues): void {
    const log = this.#log();
    const before = this.#scroll;
    if (!log || !changed.has('chat')) return;
    const c = this.#active ? this.chat.conversations.get(this.#active) : undefined;
    const firstSeq = c?.messages[0]?.seq ?? 0;
    if (!before || before.active !== this.#active) log.scrollTop = log.scrollHeight;
    else if (before.firstSeq && firstSeq && firstSeq < before.firstSeq) log.scrollTop += log.scrollHeight - before.height;
    else if (before.atBottom) log.scrollTop = log.scrollHeight;
  }

  #onScroll = (): void => {
    const log = this.#log();
    const key = this.#active;
    const c = key ? this.chat.conversations.get(key) : undefined;
    if (log && key && c?.hasMore && !c.loading && log.scrollTop < LOAD_OLDER_AT_PX) this.#emit({ type: 'chat-load-older', conversation: key });
  };

  #onComposeKey = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.#send(e.target as HTMLTextAreaElement);
    }
  };

  #onSubmit = (e: Event): void => {
    e.preventDefault();
    const area = this.renderRoot.querySelector<HTMLTextAreaElement>('#compose');
    if (area) this.#send(area);
  };

  #send(area: HTMLTextAreaElement): void {
    const key = this.#active;
    const text = area.value;
    if (!key || text.trim() === '' || chatCharCount(text) > MAX_CHAT_CHARS) return;
    this.#emit({ type: 'chat-send', conversation: key, text });
    area.value = '';
    this._draftChars = 0;
  }

  #saveEdit(id: string): void {
    const key = this.#active;
    const area = this.renderRoot.querySelector<HTMLTextAreaElement>(`#edit-${id}`);
    const text = area?.value ?? '';
    if (key && text.trim() !== '' && chatCharCount(text) <= MAX_CHAT_CHARS) this.#emit({ type: 'chat-edit', conversation: key, messageId: id, text });
    this._editing = null;
  }

  #startEdit(id: string): void {
    this._editing = id;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLTextAreaElement>(`#edit-${id}`)?.focus());
  }

  #tab(key: ConversationKey) {
    const c = this.chat.conversations.get(key);
    const n = c ? unreadCount(c) : 0;
    const current = key === this.#active;
    const title = this.#title(key);
    return html`<button type="button" aria-current=${current ? 'true' : 'false'} data-conversation=${key}
      aria-label=${`${title}${n ? `, ${n} unread${c?.mentioned ? ', you were mentioned' : ''}` : ''}`}
      @click=${() => this.#emit({ type: 'chat-open', conversation: key })}>
      ${title}${n ? html`<span class="count ${c?.mentioned ? 'mention' : ''}" aria-hidden="true">${n > 99 ? '99+' : n}</span>` : nothing}
    </button>`;
  }

  #nav() {
    const roomTab = this.#active?.startsWith('room:') ? this.#active : null;
    const dms = [...this.chat.conversations.values()].filter((c) => c.key.startsWith('dm:') && (c.lastSeq > 0 || c.pending.length > 0 || c.key === this.#active));
    const dmKeys = new Set(dms.map((c) => c.key));
    // One entry per person: someone signed in twice is still one conversation.
    const others = new Map<string, string>();
    for (const u of this.users) {
      if (u.publicKeyHex !== this.selfKeyHex && !dmKeys.has(directKey(u.publicKeyHex))) others.set(u.publicKeyHex, u.displayName);
    }
    return html`<nav aria-label="Conversations">
      ${roomTab ? this.#tab(roomTab) : nothing}
      ${dms.map((c) => this.#tab(c.key))}
      ${others.size
        ? html`<select aria-label="Send a direct message to…" @change=${(e: Event) => {
            const sel = e.target as HTMLSelectElement;
            if (sel.value) this.#emit({ type: 'chat-open', conversation: directKey(sel.value) });
            sel.value = '';
          }}>
            <option value="">Direct message…</option>
            <!-- One option per person online (thousands in a large organisation): rebuilt only when the people or the open conversations change. -->
            ${guard([this.users, this.selfKeyHex, [...dmKeys].join(' ')], () => [...others].map(([keyHex, name]) => html`<option value=${keyHex}>${name}</option>`))}
          </select>`
        : nothing}
    </nav>`;
  }

  override render() {
    const key = this.#active;
    if (!key) return html`<p class="empty">Chat opens when you are in a room.</p>`;
    const c = this.chat.conversations.get(key);
    const title = this.#title(key);
    const roomId = parseConversationKey(key)?.kind === 'room' ? key.slice(5) : null;
    const unkept = roomId !== null && this.tempRooms.some((r) => r.id === roomId);
    const over = this._draftChars > MAX_CHAT_CHARS;
    return html`
      ${this.#nav()}
      ${this.chat.refused
        ? html`<div class="refused" role="alert">
            Your ${this.chat.refused.action === 'edit' ? 'edit' : 'deletion'} was refused: ${errorText(this.chat.refused.error)}
            <button type="button" @click=${() => this.#emit({ type: 'chat-dismiss-refusal' })}>Dismiss</button>
          </div>`
        : nothing}
      ${unkept
        ? html`<p class="unkept" role="note">Messages in a temporary room are not kept: only the people in it now see them, they cannot be edited or deleted, and they are gone when the room goes.</p>`
        : nothing}
      <div class="log" role="log" aria-live="polite" aria-label=${`Messages in ${title}`} tabindex="0" @scroll=${this.#onScroll}>
        ${c?.loading ? html`<div class="loading" role="status"><progress aria-label="Loading messages"></progress>Loading messages…</div>` : nothing}
        ${c?.loadError && !c.loading
          ? html`<div class="load-error" role="alert">
              Messages could not be loaded: ${errorText(c.loadError)}
              ${c.loaded ? nothing : html`<button type="button" @click=${() => this.#emit({ type: 'chat-open', conversation: key })}>Try again</button>`}
            </div>`
          : nothing}
        ${c?.hasMore && !c.loading
          ? html`<button type="button" class="older" @click=${() => this.#emit({ type: 'chat-load-older', conversation: key })}>Load older messages</button>`
          : nothing}
        ${c && (c.messages.length || c.pending.length)
          ? nothing
          : html`<p class="empty">${c?.loading || c?.loadError ? '' : `No messages in ${title} yet.`}</p>`}
        <ol>
          ${(c?.messages ?? []).map((m) =>
            messageItem(m, {
              canDelete: this.isAdmin && roomId !== null,
              fixed: unkept,
              editing: this._editing === m.id,
              mentioned: !m.own && mentionsName(m.text, this.selfName),
              onEdit: () => this.#startEdit(m.id),
              onDelete: () => this.#emit({ type: 'chat-delete', conversation: key, messageId: m.id }),
              onEditKey: (e) => {
                if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                  e.preventDefault();
                  this.#saveEdit(m.id);
                } else if (e.key === 'Escape') this._editing = null;
              },
              onEditSave: () => this.#saveEdit(m.id),
              onEditCancel: () => (this._editing = null),
              attachment: this.#attachment(m.id),
            }),
          )}
          ${(c?.pending ?? []).map((p) => pendingItem(p, this.selfName, () => this.#emit({ type: 'chat-discard', conversation: key, pendingId: p.id }), this.#attachment(p.id)))}
        </ol>
      </div>
      ${this.#outgoing(key)}
      <form class="compose" @submit=${this.#onSubmit}>
        <label for="compose">Message ${title}</label>
        <textarea id="compose" rows="2" placeholder=${this.online ? 'Type a message (Enter sends, Shift+Enter for a new line)' : 'Offline: messages are sent when you reconnect'}
          aria-describedby="compose-hint" @keydown=${this.#onComposeKey} @input=${(e: Event) => (this._draftChars = chatCharCount((e.target as HTMLTextAreaElement).value))}></textarea>
        <span class="send">
          <button type="button" class="share" aria-label=${`Share a file in ${title}`} title="Share a file (or drop it here)"
            @click=${() => this.renderRoot.querySelector<HTMLInputElement>('#share-input')?.click()}>Share file</button>
          <input id="share-input" type="file" multiple hidden @change=${(e: Event) => {
            const input = e.target as HTMLInputElement;
            this.#share(input.files);
            input.value = '';
          }} />
          <button type="submit" ?disabled=${over}>Send</button>
        </span>
        <span id="compose-hint" class="hint ${over ? 'over' : ''}" aria-live="polite">${
          over
            ? `Too long: ${this._draftChars} of ${MAX_CHAT_CHARS} characters.`
            : this._draftChars > MAX_CHAT_CHARS - 500
              ? `${MAX_CHAT_CHARS - this._draftChars} characters left.`
              : this.online
                ? ''
                : 'You are offline. Messages you send now wait here and go out when the connection is back.'
        }</span>
      </form>
    `;
  }
}
customElements.define('parley-chat-panel', ParleyChatPanel);

declare global {
  interface HTMLElementTagNameMap {
    'parley-chat-panel': ParleyChatPanel;
  }
}
