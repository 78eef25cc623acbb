import { LitElement, css, html, nothing } from 'lit';
import { errorText, unreadCount } from '../session/index.ts';
import type { Session, State } from '../session/index.ts';
import type { IdentityActions } from '../identity-actions.ts';
import { SessionController } from './session-controller.ts';
import { listenForFileEvents } from './file-actions.ts';
import { RenameEvent, SESSION_COMMAND_EVENTS } from './events.ts';
import type { RoomActionsEvent, SessionCommandEvent } from './events.ts';
import { MentionNotifier } from './mention-notifier.ts';
import { storageNameStore } from './name-store.ts';
import type { NameStore } from './name-store.ts';
import './parley-admin-panel.ts';
import './parley-chat-panel.ts';
import './parley-identity-panel.ts';
import './parley-relay-key-warning.ts';
import './parley-dev-panel.ts';
import './parley-room-list.ts';
import './parley-room-dialog.ts';
import './parley-room-invite.ts';
import './parley-room-history.ts';
import './parley-tree-status.ts';
import './parley-voice-bar.ts';
import './parley-voice-settings.ts';
import './parley-perms-dialog.ts';
import './parley-room-password.ts';
import './parley-perms-inspector.ts';
import { knownPeople, selfSubject } from '../session/perms/perm-state.ts';
import { RoomListCache } from './room-list-cache.ts';
import type { InspectEvent, OpenPermissionsEvent, OpenRoomInviteEvent } from './events.ts';

/** Wide enough to show rooms and chat side by side. */
const WIDE = '(min-width: 56rem)';

/** Unread chat messages per room id, and in total (rooms and direct messages). */
type UnreadSummary = { rooms: Map<string, { count: number; mentioned: boolean }>; direct: Map<string, number>; total: number };

function unreadSummary(s: State): UnreadSummary {
  const rooms = new Map<string, { count: number; mentioned: boolean }>();
  const direct = new Map<string, number>();
  let total = 0;
  for (const c of s.chat.conversations.values()) {
    const count = unreadCount(c);
    total += count;
    if (count > 0 && c.key.startsWith('room:')) rooms.set(c.key.slice(5), { count, mentioned: c.mentioned });
    if (count > 0 && c.key.startsWith('dm:')) direct.set(c.key.slice(3), count);
  }
  return { rooms, direct, total };
}

/**
 * Root component: renders the sign-in form or the room view from the
 * session's state; every UI event that stands for a session command
 * (events.ts, `SESSION_COMMAND_EVENTS`) reaches `session.dispatch` through one
 * listener, and the display name is remembered through the injected
 * `nameStore` (default: this page's localStorage). Rooms and chat
 * sit side by side on wide screens; on phones a Rooms / Chat switch shows one.
 * The developer panel shows with `?dev` in the URL or after Ctrl+Shift+D.
 */
export class ParleyApp extends LitElement {
  static override properties = {
    session: { attribute: false },
    identity: { attribute: false },
    nameStore: { attribute: false },
    _panel: { state: true },
    _name: { state: true },
    _actionsRoom: { state: true },
    _permsRoom: { state: true },
    _inviteRoom: { state: true },
    _inspect: { state: true },
    _view: { state: true },
    _wide: { state: true },
    devPanel: { type: Boolean, attribute: 'dev-panel' },
  };

  declare session: Session | null;
  /** Backup / import / reset of this browser's identity. */
  declare identity: IdentityActions | null;
  /** Where the display name is remembered between visits. */
  declare nameStore: NameStore;
  /** Which side panel is open while connected. */
  declare _panel: '' | 'identity' | 'admin' | 'history' | 'files';
  declare _name: string;
  /** The room whose admin actions dialog is open ('' = none). */
  declare _actionsRoom: string;
  /** The room whose permissions editor is open ('' = none). */
  declare _permsRoom: string;
  /** The room "Invite to this room" is open for ('' = closed). */
  declare _inviteRoom: string;
  /** The inspector, when open: on which room, about whom, pointing at which permission. */
  declare _inspect: { readonly roomId: string; readonly choice: string; readonly permission: InspectEvent['permission'] } | null;
  declare _view: 'rooms' | 'chat';
  declare _wide: boolean;
  /** Developer network simulator panel shown. */
  declare devPanel: boolean;
  readonly #ctl = new SessionController(this);
  readonly #notifier = new MentionNotifier();
  readonly #media: MediaQueryList | null = typeof matchMedia === 'function' ? matchMedia(WIDE) : null;
  #mentionsSeen = -1;
  /** The room list's derived sets (room-list-cache.ts). */
  readonly #roomList = new RoomListCache();
  /** Unread counts, remade only when chat changes: fresh Maps on every render re-rendered the room list (every person) on each level meter tick. */
  #unread: { readonly chat: State['chat']; readonly value: UnreadSummary } | null = null;
  #chatVisible: boolean | null = null;

  constructor() {
    super();
    this.session = null;
    this.identity = null;
    this.nameStore = storageNameStore();
    this._panel = '';
    this._name = this.nameStore.load();
    this._actionsRoom = '';
    this._permsRoom = '';
    this._inviteRoom = '';
    this._inspect = null;
    this._view = 'rooms';
    this._wide = this.#media?.matches ?? true;
    this.devPanel = typeof location !== 'undefined' && new URLSearchParams(location.search).has('dev');
    // Component events are composed, so they all reach the host; one listener dispatches them.
    for (const type of SESSION_COMMAND_EVENTS) this.addEventListener(type, this.#onCommand);
    listenForFileEvents(this, () => this.session?.files ?? null);
    this.addEventListener('open-permissions', (e: OpenPermissionsEvent) => (this._permsRoom = e.roomId));
    this.addEventListener('open-room-invite', (e: OpenRoomInviteEvent) => (this._inviteRoom = e.roomId));
    this.addEventListener('inspect', (e: InspectEvent) => (this._inspect = { roomId: e.roomId, choice: e.choice, permission: e.permission }));
  }

  #onCommand = (e: Event): void => {
    if (e instanceof RenameEvent) {
      this.nameStore.save(e.displayName);
      this._name = e.displayName;
    }
    this.session?.dispatch((e as SessionCommandEvent).command);
  };

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // A store given after construction (the page injects one) is where the name comes from.
    if (changed.has('nameStore') && changed.get('nameStore') !== undefined) this._name = this.nameStore.load();
    this.#sync();
  }

  #onDevKey = (e: KeyboardEvent): void => {
    if (e.ctrlKey && e.shiftKey && (e.key === 'D' || e.key === 'd')) {
      e.preventDefault();
      this.devPanel = !this.devPanel;
    }
  };

  #onMedia = (): void => {
    this._wide = this.#media?.matches ?? true;
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.#media?.addEventListener('change', this.#onMedia);
    window.addEventListener('keydown', this.#onDevKey);
  }

  override disconnectedCallback(): void {
    this.#media?.removeEventListener('change', this.#onMedia);
    window.removeEventListener('keydown', this.#onDevKey);
    this.#notifier.close();
    super.disconnectedCallback();
  }

  static override styles = css`
    :host { display: flex; flex-direction: column; min-height: 100vh; min-height: 100dvh; }
    header { display: flex; align-items: center; gap: 0.75rem; padding: 0.75rem 1rem; border-bottom: 1px solid var(--border); }
    header h1 { margin: 0; font-size: 1.1rem; }
    .conn { font-size: 0.85rem; color: var(--muted); }
    .conn.reconnecting { color: var(--danger-fg); }
    header nav { margin-left: auto; display: flex; gap: 0.5rem; flex-wrap: wrap; }
    header button { font: inherit; padding: 0.4rem 0.8rem; min-height: 40px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    main { flex: 1; padding: 1rem; max-width: 72rem; width: 100%; box-sizing: border-box; margin: 0 auto; }
    main.solo, #side-panel { max-width: 40rem; }
    .layout { display: grid; gap: 1rem; grid-template-columns: minmax(15rem, 22rem) minmax(0, 1fr); align-items: start; }
    .layout.narrow { grid-template-columns: minmax(0, 1fr); }
    .layout > [hidden] { display: none; }
    .switch { display: flex; gap: 0.5rem; margin: 0 0 0.75rem; }
    .switch button { flex: 1; font: inherit; font-weight: 600; padding: 0.5rem; min-height: 44px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    .switch button[aria-pressed='true'] { border-color: var(--accent); color: var(--accent); }
    .switch .n { margin-left: 0.4rem; padding: 0 0.4rem; border-radius: 999px; background: var(--accent); color: white; font-size: 0.75rem; }
    .banner { margin: 0 0 1rem; padding: 0.6rem 0.9rem; border-radius: 8px; background: var(--danger-bg); color: var(--danger-fg); display: flex; gap: 0.5rem; align-items: center; }
    .banner button { margin-left: auto; font: inherit; background: none; border: 0; color: inherit; cursor: pointer; text-decoration: underline; }
    parley-voice-bar { position: sticky; bottom: 0; }
  `;

  #sync(): void {
    this.#ctl.session = this.session;
    const s = this.#ctl.state;
    if (!s) return;
    // A mention that arrived since the last render chimes once (not the count already there on load).
    if (this.#mentionsSeen >= 0 && s.chat.mentionCount > this.#mentionsSeen) this.#notifier.chime();
    this.#mentionsSeen = s.chat.mentionCount;
    this.#notifier.setTitle(s.serverName || 'Parley', s.selfSessionId === null ? 0 : this.#unreadOf(s).total);
    const visible = this._wide || this._view === 'chat';
    if (visible !== this.#chatVisible) {
      this.#chatVisible = visible;
      this.session?.dispatch({ type: 'chat-visible', visible });
    }
  }

  #onRoomActions = (e: RoomActionsEvent): void => {
    this._actionsRoom = e.roomId;
  };

  #toggle(panel: 'identity' | 'admin' | 'history' | 'files'): void {
    this._panel = this._panel === panel ? '' : panel;
    if (this._panel === 'files') {
      // The panel's code loads with the rest of file sharing, on first use.
      if (!customElements.get('parley-file-storage')) void import('./files/index.ts');
      void this.session?.files.command({ type: 'file-refresh-storage' });
    }
  }

  #identityPanel(name: string) {
    const s = this.#ctl.state;
    return html`<parley-identity-panel
      .fingerprint=${s?.identity?.fingerprint ?? ''}
      .displayName=${name}
      .actions=${this.identity}
    ></parley-identity-panel>`;
  }

  #openSettings = (): void => {
    this.session?.dispatch({ type: 'refresh-devices' });
    this.renderRoot.querySelector('parley-voice-settings')?.show();
  };

  /** The permissions editor and the inspector, when open. */
  #permsDialogs(s: State) {
    if (!this._permsRoom && !this._inspect) return nothing;
    const people = knownPeople(s.users, s.rooms);
    const self = selfSubject(s.identity?.publicKeyHex ?? '', s.role ?? s.tree.role, s.roomId);
    const permsRoom = this._permsRoom ? s.rooms.find((r) => r.id === this._permsRoom) ?? null : null;
    const i = this._inspect;
    return html`${permsRoom
      ? html`<parley-perms-dialog .room=${permsRoom} .rooms=${s.rooms} .people=${people} .self=${self} .passwordSet=${s.roomPasswordSet} @close=${() => (this._permsRoom = '')}></parley-perms-dialog>`
      : ''}
      ${i
        ? html`<parley-perms-inspector .rooms=${s.rooms} .people=${people} .self=${self}
            .choice=${i.choice} .roomId=${i.roomId} .highlight=${i.permission} @close=${() => (this._inspect = null)}></parley-perms-inspector>`
        : ''}`;
  }

  #unreadOf(s: State): UnreadSummary {
    if (this.#unread?.chat !== s.chat) this.#unread = { chat: s.chat, value: unreadSummary(s) };
    return this.#unread.value;
  }

  override render() {
    const s = this.#ctl.state;
    if (!s) return html`<p role="status">Loading…</p>`;
    const status = s.connection.status;
    if (s.relayKeyChange) {
      return html`<parley-relay-key-warning .change=${s.relayKeyChange}></parley-relay-key-warning>`;
    }
    if (status === 'idle' || status === 'connecting' || status === 'authenticating' || (status === 'failed' && s.selfSessionId === null)) {
      return html`<parley-connect-form
          .busy=${status === 'connecting' || status === 'authenticating'}
          .error=${s.connection.error ? errorText(s.connection.error) : ''}
          .fingerprint=${s.identity?.fingerprint ?? ''}
          .serverName=${s.serverName}
          .invite=${s.invite}
          .unsent=${[...s.chat.conversations.values()].reduce((n, c) => n + c.pending.filter((p) => p.status !== 'failed').length, 0)}
        ></parley-connect-form>
        <main class="solo">${this.#identityPanel(this._name)}</main>`;
    }
    const unread = this.#unreadOf(s);
    const self = s.users.find((u) => u.sessionId === s.selfSessionId);
    // Offline, the role this tree was last seen with still allows editing (queued, signed, sent later).
    const isAdmin = (s.role ?? s.tree.role) === 'admin';
    const actionsRoom = this._actionsRoom ? s.rooms.find((r) => r.id === this._actionsRoom) ?? null : null;
    const statusText = status === 'connected' ? 'Connected' : status === 'reconnecting' ? (s.connection.error?.code === 'relay-restarting' ? errorText(s.connection.error) : 'Relay unreachable — reconnecting…') : errorText(s.connection.error ?? { code: 'connection-lost', untilMs: null });
    return html`
      <header>
        <h1>${s.serverName || 'Parley'}</h1>
        <span class="conn ${status}" role="status" aria-live="polite">${statusText}</span>
        <nav aria-label="Panels">
          <button aria-expanded=${this._panel === 'identity' ? 'true' : 'false'} aria-controls="side-panel" @click=${() => this.#toggle('identity')}>Identity</button>
          ${s.role === 'admin'
            ? html`<button aria-expanded=${this._panel === 'admin' ? 'true' : 'false'} aria-controls="side-panel" @click=${() => this.#toggle('admin')}>Admin</button>`
            : ''}
          ${isAdmin
            ? html`<button aria-expanded=${this._panel === 'history' ? 'true' : 'false'} aria-controls="side-panel" @click=${() => this.#toggle('history')}>History</button>`
            : ''}
          <button aria-expanded=${this._panel === 'files' ? 'true' : 'false'} aria-controls="side-panel" @click=${() => this.#toggle('files')}>Files</button>
          <button aria-haspopup="dialog" @click=${() => (this._inspect = { roomId: s.roomId ?? '', choice: 'self', permission: '' })}>Permissions</button>
          <button @click=${() => this.session?.dispatch({ type: 'disconnect' })}>Disconnect</button>
        </nav>
      </header>
      <main>
        <div id="side-panel">
          ${this._panel === 'identity' ? this.#identityPanel(self?.displayName ?? this._name) : ''}
          ${this._panel === 'admin' && s.role === 'admin'
            ? html`<parley-admin-panel
                .admin=${s.admin}
                .users=${s.users}
                .selfSessionId=${s.selfSessionId ?? -1}
                .createdInvite=${s.createdInvite}
                .now=${Date.now()}
              ></parley-admin-panel>`
            : ''}
          ${this._panel === 'files' && this.session ? html`<parley-file-storage .view=${this.session.files.storage}></parley-file-storage>` : ''}
          ${this._panel === 'history' && isAdmin
            ? html`<parley-room-history .history=${s.tree.history} .users=${s.users}></parley-room-history>`
            : ''}
        </div>
        <parley-tree-status
          .offline=${status === 'reconnecting'}
          .pendingCount=${s.tree.pendingCount}
          .refused=${s.tree.refused}
        ></parley-tree-status>
        ${s.notice
          ? html`<div class="banner" role="alert">${errorText(s.notice, s.rooms)}${s.notice.denial
              ? html`<button @click=${() => (this._inspect = { roomId: s.notice!.denial!.roomId, choice: 'self', permission: s.notice!.denial!.permission })}>Why?</button>`
              : ''}<button @click=${() => this.session?.dispatch({ type: 'dismiss-notice' })}>Dismiss</button></div>`
          : ''}
        ${this.devPanel
          ? html`<parley-dev-panel .netSim=${s.netSim} .expectedLossPct=${s.expectedLossPct}></parley-dev-panel>`
          : ''}
        ${this._wide
          ? ''
          : html`<div class="switch" role="group" aria-label="Show">
              <button aria-pressed=${this._view === 'rooms' ? 'true' : 'false'} @click=${() => (this._view = 'rooms')}>Rooms</button>
              <button aria-pressed=${this._view === 'chat' ? 'true' : 'false'} @click=${() => (this._view = 'chat')}
                aria-label=${`Chat${unread.total ? `, ${unread.total} unread` : ''}`}>Chat${unread.total ? html`<span class="n" aria-hidden="true">${unread.total}</span>` : ''}</button>
            </div>`}
        <div class="layout ${this._wide ? '' : 'narrow'}">
          <parley-room-list
            ?hidden=${!this._wide && this._view !== 'rooms'}
            .rooms=${this.#roomList.shownRooms(s, isAdmin).value}
            .users=${s.users}
            .talking=${s.talking}
            .currentRoomId=${s.roomId ?? ''}
            .selfSessionId=${s.selfSessionId ?? -1}
            .unread=${unread.rooms}
            .directUnread=${unread.direct}
            .canEdit=${isAdmin}
            .permsEditable=${this.#roomList.permsEditable(s, isAdmin).value}
            .tempMakeable=${this.#roomList.permsEditable(s, isAdmin).temp}
            .tempEditable=${this.#roomList.shownRooms(s, isAdmin).editable}
            .userVolumes=${s.voiceSettings.userVolumes}
            @room-actions=${this.#onRoomActions}
          ></parley-room-list>
          <parley-chat-panel
            ?hidden=${!this._wide && this._view !== 'chat'}
            .chat=${s.chat}
            .rooms=${this.#roomList.shownRooms(s, isAdmin).value}
            .tempRooms=${s.tempRooms}
            .users=${s.users}
            .selfKeyHex=${s.identity?.publicKeyHex ?? ''}
            .selfName=${self?.displayName ?? ''}
            .isAdmin=${s.role === 'admin'}
            .online=${status === 'connected'}
            .files=${this.session?.files.cards(s.chat) ?? new Map()}
            .outgoing=${this.session?.files.outgoing ?? []}
          ></parley-chat-panel>
        </div>
        ${actionsRoom
          ? html`<parley-room-dialog .room=${actionsRoom} .rooms=${s.rooms} @close=${() => (this._actionsRoom = '')}></parley-room-dialog>`
          : ''}
        ${this.#permsDialogs(s)}
        ${this._inviteRoom
          ? html`<parley-room-invite .room=${s.rooms.find((r) => r.id === this._inviteRoom) ?? null} .link=${s.roomInviteLink} @close=${() => (this._inviteRoom = '')}></parley-room-invite>`
          : ''}
        ${s.roomPassword && s.roomPassword.roomId !== s.roomId
          ? html`<parley-room-password .prompt=${s.roomPassword} .roomName=${s.rooms.find((r) => r.id === s.roomPassword!.roomId)?.name ?? ''}></parley-room-password>`
          : ''}
      </main>
      <parley-voice-bar
        .muted=${s.muted}
        .deafened=${s.deafened}
        .level=${s.inputLevel}
        .transmitting=${s.transmitting}
        .voiceStatus=${s.voice.status}
        .voiceError=${s.voice.error ? errorText(s.voice.error) : ''}
        .transmitMode=${s.voiceSettings.transmitMode}
        .pttKey=${s.voiceSettings.pttKey}
        .pttDown=${s.pttDown}
        @open-voice-settings=${this.#openSettings}
      ></parley-voice-bar>
      <parley-voice-settings
        .settings=${s.voiceSettings}
        .devices=${s.devices}
        .level=${s.inputLevel}
        .transmitting=${s.transmitting}
        .micTest=${s.micTest}
      ></parley-voice-settings>
    `;
  }
}
customElements.define('parley-app', ParleyApp);

declare global {
  interface HTMLElementTagNameMap {
    'parley-app': ParleyApp;
  }
}
