/**
 * The client's non-UI backend. Holds a read-only `State` snapshot, takes
 * `Command`s through `dispatch()`, and notifies `subscribe()`rs after each
 * change. Every state change goes through `#set()` (one choke point).
 *
 * Layers: Session (product state) -> SignalConnection (WebSocket + codec)
 * and VoiceTransport (RTCPeerConnection + DataChannel) -> relay. The audio
 * engine is injected and driven by AudioLink (audio-link.ts), which derives
 * everything the engine does from the state; voice settings persist through
 * the injected SettingsStore.
 */
import { PROTOCOL_VERSION, authTranscript } from '../../proto/index.ts';
import type { AuthOk, RtcSignal } from '../../proto/index.ts';
import { toHex } from '../../keys/index.ts';
import type { Signer } from '../../keys/index.ts';
import type { AudioEngine } from '../audio/types.ts';
import { AccessManager } from './access-manager.ts';
import { AudioLink } from './audio-link.ts';
import { ChatClient, memoryChatPersistence } from './chat/index.ts';
import type { ChatCommand, ChatPersistence } from './chat/index.ts';
import type { DeviceSource } from './devices.ts';
import { SessionError, isFatalAuthError, isInviteError, sessionErrorFromRelay } from './errors.ts';
import { memoryPins } from './relay-pins.ts';
import type { RelayPinStore } from './relay-pins.ts';
import { roleName, toUserView } from './views.ts';
import { SignalConnection } from './signal-connection.ts';
import type { ControlMessage, WebSocketFactory } from './signal-connection.ts';
import { VoiceTransport } from './voice-transport.ts';
import { exponentialBackoff } from './reconnect-policy.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { initialState } from './state.ts';
import { createTreeLink } from './tree-link.ts';
import type { RoomTreeStore, TreeCache } from '../tree/index.ts';
import type { Command, RoomView, State, UserView, VoiceCommand } from './state.ts';
import { reduceVoiceCommand } from './voice-commands.ts';
import { memorySettingsStore, parseVoiceSettings } from './voice-settings.ts';
import type { SettingsStore } from './voice-settings.ts';

/** What a Session needs from the outside world. */
export interface SessionDeps {
  /** ws:// or wss:// URL of the relay's control socket. */
  readonly url: string;
  readonly signer: Signer;
  /** Fingerprint of the signer's key, shown in the UI. */
  readonly fingerprint: string;
  /** Creates the audio engine on first connect (inside the user gesture). */
  readonly createAudio: () => AudioEngine;
  readonly webSocket?: WebSocketFactory;
  readonly createVoiceTransport?: (send: SignalConnection['send']) => VoiceTransport;
  readonly reconnectPolicy?: ReconnectPolicy;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Pinned relay keys (trust on first use). Default: in memory. */
  readonly pins?: RelayPinStore;
  /** Signed invite bytes from the page's `#invite=` fragment, presented at sign-in until used. */
  readonly invite?: Uint8Array | null;
  /** Called once the invite was used or refused (the page forgets it). */
  readonly onInviteSettled?: () => void;
  /** Page URL admins' invite links start with. Default: the relay URL turned into http(s). */
  readonly inviteBaseUrl?: string;
  /** Wall clock, ms (invite expiry, loss-report ages). Default Date.now. */
  readonly now?: () => number;
  /** Room tree cache (IndexedDB in the page). Default: in memory. */
  readonly treeCache?: TreeCache;
  /** Where chat keeps its outbox and read marks. Default in memory (lost on reload). */
  readonly chatPersistence?: ChatPersistence;
  /** Where voice settings persist; default in memory (lost on reload). */
  readonly settingsStore?: SettingsStore;
  /** Audio device lists; default none (the panel offers only the system default). */
  readonly devices?: DeviceSource | null;
  /** Whether the browser can route output to a chosen device; default false. */
  readonly canChooseOutput?: boolean;
}

type Listener = (state: State) => void;

/** How long the relay gets to open the voice DataChannel before we re-offer, ms. */
const VOICE_SETUP_MS = 5000;
/** Offers made before voice is reported failed. */
const VOICE_SETUP_ATTEMPTS = 4;

/** `ws(s)://host/ws` -> `http(s)://host/`: where invite links point by default. */
function pageUrlOf(wsUrl: string): string {
  return wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/');
}

/** The client session. Create one per page. */
export class Session {
  #state: State;
  readonly #listeners = new Set<Listener>();
  readonly #deps: SessionDeps;
  readonly #policy: ReconnectPolicy;
  #signal: SignalConnection | null = null;
  #voice: VoiceTransport | null = null;
  readonly #audio: AudioLink;
  readonly #settingsStore: SettingsStore;
  #credentials: { displayName: string; password: string } | null = null;
  #retryTimer: unknown = null;
  #voiceTimer: unknown = null;
  #mutedBeforeDeafen = false;
  readonly #access: AccessManager;
  readonly #tree: RoomTreeStore;
  readonly #chat: ChatClient;
  /** The relay key of the current connection, once trusted (chat items are signed for it). */
  #relayKey: Uint8Array | null = null;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#policy = deps.reconnectPolicy ?? exponentialBackoff();
    this.#settingsStore = deps.settingsStore ?? memorySettingsStore();
    this.#access = new AccessManager({
      address: deps.url,
      signer: deps.signer,
      pins: deps.pins ?? memoryPins(),
      invite: deps.invite ?? null,
      onInviteSettled: deps.onInviteSettled,
      inviteBaseUrl: deps.inviteBaseUrl ?? pageUrlOf(deps.url),
      now: deps.now ?? (() => Date.now()),
      state: () => this.#state,
      update: (next) => this.#set(next),
    });
    this.#state = {
      ...initialState,
      identity: { publicKeyHex: toHex(deps.signer.publicKey), fingerprint: deps.fingerprint },
      invite: this.#access.inviteView(),
      voiceSettings: parseVoiceSettings(this.#settingsStore.load()),
    };
    this.#tree = createTreeLink({ deps, state: () => this.#state, update: (next) => this.#set(next) });
    this.#chat = new ChatClient({
      signer: deps.signer,
      persistence: deps.chatPersistence ?? memoryChatPersistence(),
      onChange: (chat) => this.#set({ ...this.#state, chat }),
      ...(deps.setTimer ? { setTimer: deps.setTimer } : {}),
      ...(deps.clearTimer ? { clearTimer: deps.clearTimer } : {}),
    });
    const session = this;
    this.#audio = new AudioLink(
      {
        get state() {
          return session.#state;
        },
        set: (next) => this.#set(next),
        sendControl: (msg) => this.#signal?.send(msg),
        sendDatagram: (bytes) => this.#voice?.send(bytes),
      },
      {
        createAudio: deps.createAudio,
        setTimer: this.#setTimer,
        now: deps.now ?? Date.now,
        devices: deps.devices ?? null,
        canChooseOutput: deps.canChooseOutput ?? false,
      },
    );
  }

  /** Resolves once chat has loaded what a previous page left (outbox, read marks). */
  get chatReady(): Promise<void> {
    return this.#chat.ready;
  }

  /** The audio engine while voice runs (diagnostics, tests, benchmarks). */
  get audio(): AudioEngine | null {
    return this.#audio.engine;
  }

  /** The current snapshot. Never mutate it. */
  get state(): State {
    return this.#state;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs one command. Commands that need a connection are ignored without one. */
  dispatch(cmd: Command): void {
    if (cmd.type.startsWith('chat-')) {
      this.#chat.dispatch(cmd as ChatCommand);
      return;
    }
    switch (cmd.type) {
      case 'connect':
        this.#credentials = { displayName: cmd.displayName.trim(), password: cmd.password };
        this.#audio.start();
        this.#connect(0);
        return;
      case 'disconnect': {
        this.#credentials = null;
        this.#teardown();
        this.#audio.close();
        const s = this.#state;
        this.#set({ ...initialState, identity: s.identity, muted: s.muted, deafened: s.deafened, invite: s.invite, chat: this.#chat.state, tree: s.tree, voiceSettings: s.voiceSettings, devices: s.devices, netSim: s.netSim });
        return;
      }
      case 'rename': {
        const name = cmd.displayName.trim();
        if (!name) return;
        if (this.#credentials) this.#credentials = { ...this.#credentials, displayName: name };
        this.#chat.renamed(name);
        if (this.#state.connection.status === 'connected') this.#signal?.send({ case: 'setDisplayName', value: { displayName: name } });
        return;
      }
      case 'accept-relay-key':
        if (this.#access.acceptRelayKey() && this.#credentials) {
          this.#audio.start();
          this.#connect(0);
        }
        return;
      case 'reject-relay-key':
        this.#credentials = null;
        this.#access.rejectRelayKey();
        return;
      case 'create-invite':
      case 'revoke-invite':
      case 'kick':
      case 'ban':
      case 'lift-ban':
      case 'set-role':
        this.#access.admin(cmd);
        return;
      case 'tree-edit':
        void this.#tree.edit(cmd.edit);
        return;
      case 'dismiss-refusal':
        this.#tree.dismiss(cmd.opIdHex);
        return;
      case 'load-history':
        this.#tree.requestHistory(cmd.beforeSeq);
        return;
      case 'join-room':
        if (this.#state.connection.status === 'connected' && cmd.roomId !== this.#state.roomId) {
          this.#signal?.send({ case: 'joinRoom', value: { roomId: cmd.roomId } });
        }
        return;
      case 'set-muted':
        this.#setSelf(cmd.muted, cmd.muted ? this.#state.deafened : false);
        return;
      case 'set-deafened':
        // Deafen implies mute, as in Mumble; undeafen restores the previous mute choice.
        this.#setSelf(cmd.deafened ? true : this.#mutedBeforeDeafen, cmd.deafened);
        return;
      case 'dismiss-notice':
        this.#set({ ...this.#state, notice: null });
        return;
      default:
        this.#voiceCommand(cmd as VoiceCommand);
    }
  }

  #voiceCommand(cmd: VoiceCommand): void {
    const before = this.#state;
    this.#set(reduceVoiceCommand(before, cmd));
    const after = this.#state.voiceSettings;
    if (cmd.type === 'set-input-device' && after.inputDeviceId !== before.voiceSettings.inputDeviceId) this.#audio.switchInput();
    if (cmd.type === 'set-output-device' && after.outputDeviceId !== before.voiceSettings.outputDeviceId) this.#audio.switchOutput();
    if (cmd.type === 'refresh-devices') this.#audio.refreshDevices();
    if (cmd.type === 'set-network-sim') this.#audio.applyNetSim();
  }

  #setSelf(muted: boolean, deafened: boolean): void {
    if (deafened && !this.#state.deafened) this.#mutedBeforeDeafen = this.#state.muted;
    this.#set({ ...this.#state, muted, deafened });
    this.#signal?.send({ case: 'setSelfState', value: { muted, deafened } });
  }

  readonly #setTimer = (fn: () => void, ms: number): unknown => (this.#deps.setTimer ?? ((f, t) => setTimeout(f, t)))(fn, ms);

  #set(next: State): void {
    if (next === this.#state) return;
    const settingsChanged = next.voiceSettings !== this.#state.voiceSettings;
    this.#state = next;
    if (settingsChanged) this.#settingsStore.save(next.voiceSettings);
    this.#audio.sync();
    for (const l of [...this.#listeners]) {
      try {
        l(next);
      } catch (e) {
        console.error('session listener failed', e);
      }
    }
  }

  #connect(attempt: number): void {
    this.#teardown();
    const status = attempt === 0 ? 'connecting' : 'reconnecting';
    this.#set({ ...this.#state, connection: { status, error: this.#state.connection.error, attempt } });
    const signal = new SignalConnection(this.#deps.url, this.#deps.webSocket);
    this.#signal = signal;
    signal.on('message', (m) => this.#onMessage(m).catch((e) => console.error('control message failed', e)));
    signal.on('malformed', (detail) => console.warn(`dropped relay frame [reason:${detail}]`));
    signal.on('close', ({ wasOpen }) => this.#onClose(wasOpen, attempt));
  }

  #onClose(wasOpen: boolean, attempt: number): void {
    this.#teardown();
    if (!this.#credentials) return;
    const current = this.#state.connection;
    if (current.status === 'failed' && current.error && isFatalAuthError(current.error.code)) return;
    const error = new SessionError(wasOpen ? 'connection-lost' : 'relay-unreachable', wasOpen ? 'connection lost' : 'relay unreachable');
    const next = wasOpen && current.status === 'connected' ? 0 : attempt + 1;
    const delay = this.#policy.nextDelayMs({ attempt: next });
    if (delay === null) {
      this.#set({ ...this.#state, connection: { status: 'failed', error, attempt: next } });
      return;
    }
    this.#set({
      ...this.#state,
      connection: { status: 'reconnecting', error, attempt: next },
      voice: { status: this.#state.voice.status === 'failed' ? 'failed' : 'starting', error: this.#state.voice.error },
      talking: new Set(),
    });
    this.#retryTimer = this.#setTimer(() => {
      this.#retryTimer = null;
      if (this.#credentials) this.#connect(Math.max(1, next));
    }, delay);
  }

  async #onMessage(m: ControlMessage): Promise<void> {
    const msg = m.msg;
    switch (msg.case) {
      case 'serverHello': {
        if (!this.#credentials) return;
        const signal = this.#signal;
        const trusted = await this.#access.checkRelayKey(msg.value);
        if (!trusted) {
          // Nothing signed for a relay we do not recognise; the user decides (accept-relay-key).
          this.#teardown();
          return;
        }
        if (this.#signal !== signal || !this.#credentials) return;
        this.#relayKey = msg.value.relayPublicKey;
        this.#set({ ...this.#state, serverName: msg.value.serverName, connection: { ...this.#state.connection, status: 'authenticating' } });
        const transcript = authTranscript(msg.value.relayPublicKey, msg.value.nonce, PROTOCOL_VERSION);
        const signature = await this.#deps.signer.sign(transcript);
        this.#signal?.send({
          case: 'clientAuth',
          value: {
            protocolVersion: PROTOCOL_VERSION,
            publicKey: this.#deps.signer.publicKey,
            displayName: this.#credentials.displayName,
            password: this.#credentials.password,
            signature,
            invite: this.#access.inviteBytes(),
          },
        });
        return;
      }
      case 'authOk':
        this.#access.settleInvite();
        this.#onAuthOk(msg.value);
        return;
      case 'error': {
        const err = sessionErrorFromRelay(msg.value.code, msg.value.message, msg.value.untilMs);
        if (isInviteError(err.code)) this.#access.settleInvite();
        if (this.#state.connection.status !== 'connected' || isFatalAuthError(err.code)) {
          // A refusal, or a kick/ban while connected: back to the sign-in form with the reason.
          this.#credentials = isFatalAuthError(err.code) ? null : this.#credentials;
          const resetView = this.#state.connection.status === 'connected' ? { selfSessionId: null, rooms: [], users: [], roomId: null, admin: null, role: null } : {};
          this.#set({ ...this.#state, ...resetView, connection: { status: 'failed', error: err, attempt: this.#state.connection.attempt } });
        } else {
          this.#set({ ...this.#state, notice: err });
        }
        return;
      }
      case 'adminState':
        this.#access.adminState(msg.value);
        return;
      case 'adminResult':
        this.#access.adminResult(msg.value);
        return;
      case 'userJoined':
        if (msg.value.user) this.#upsertUser(toUserView(msg.value.user));
        return;
      case 'userUpdated':
        if (msg.value.user) {
          const user = toUserView(msg.value.user);
          this.#upsertUser(user);
          this.#access.selfUpdated(user);
        }
        return;
      case 'userLeft': {
        this.#audio.removeSender(msg.value.sessionId);
        const talking = new Set(this.#state.talking);
        talking.delete(msg.value.sessionId);
        this.#set({ ...this.#state, users: this.#state.users.filter((u) => u.sessionId !== msg.value.sessionId), talking });
        return;
      }
      case 'rtcSignal':
        await this.#voice?.handleSignal(msg.value as RtcSignal);
        return;
      case 'voiceReady':
        this.#clearVoiceTimer();
        if (this.#audio.engine) this.#set({ ...this.#state, voice: { status: this.#state.voice.status === 'failed' ? 'failed' : 'ready', error: this.#state.voice.error } });
        return;
      case 'lossReport':
        this.#audio.onLossReport(msg.value.fromSessionId, msg.value.lossPermille);
        return;
      case 'ping':
        this.#signal?.send({ case: 'pong', value: { nonce: msg.value.nonce } });
        return;
      default:
        if (!this.#tree.handle(msg)) this.#chat.handle(msg);
        return;
    }
  }

  #onAuthOk(ok: AuthOk): void {
    const rooms: RoomView[] = ok.rooms.map((r) => ({ id: r.id, name: r.name, parentId: r.parentId, position: r.position, voiceId: r.voiceId }));
    const signal = this.#signal;
    if (signal) this.#access.signedIn((m) => signal.send(m));
    this.#set({
      ...this.#state,
      role: roleName(ok.role),
      admin: null,
      connection: { status: 'connected', error: null, attempt: 0 },
      selfSessionId: ok.sessionId,
      roomId: ok.roomId,
      // The synced tree (with pending edits) wins over authOk's plain list once there is one.
      rooms: this.#state.tree.rooms.length > 0 ? this.#state.rooms : rooms,
      users: ok.users.map(toUserView),
      talking: new Set(),
    });
    this.#syncRoomToAudio();
    if (this.#relayKey && signal) {
      this.#chat.connected({ relayKey: this.#relayKey, selfName: this.#credentials?.displayName ?? '', send: (m) => signal.send(m) });
      this.#chat.followRoom(ok.roomId);
    }
    // Tell the relay our mute/deafen state (it may differ from its defaults after a reconnect).
    this.#signal?.send({ case: 'setSelfState', value: { muted: this.#state.muted, deafened: this.#state.deafened } });
    this.#startVoice(0);
    if (signal && this.#relayKey) void this.#tree.connected(this.#relayKey, roleName(ok.role), (m) => signal.send(m));
  }

  /**
   * Opens the voice transport and re-offers when the relay has not reported
   * the DataChannel open within VOICE_SETUP_MS: node-datachannel on some
   * hosts occasionally stalls a first setup, and the relay treats a new offer
   * as a replacement.
   */
  #startVoice(attempt: number): void {
    const signal = this.#signal;
    if (!signal) return;
    this.#voice?.close();
    const voice = this.#deps.createVoiceTransport?.((m) => signal.send(m)) ?? new VoiceTransport((m) => signal.send(m));
    this.#voice = voice;
    this.#clearVoiceTimer();
    this.#voiceTimer = this.#setTimer(() => {
      this.#voiceTimer = null;
      if (this.#voice !== voice || this.#state.voice.status === 'ready') return;
      if (attempt + 1 < VOICE_SETUP_ATTEMPTS) this.#startVoice(attempt + 1);
      else this.#set({ ...this.#state, voice: { status: 'failed', error: new SessionError('voice-failed', 'voice channel did not open') } });
    }, VOICE_SETUP_MS);
    voice.on('datagram', (bytes) => this.#audio.receive(bytes));
    voice.on('close', (reason) => {
      if (this.#voice === voice) this.#set({ ...this.#state, voice: { status: 'failed', error: new SessionError('voice-failed', reason) } });
    });
    voice.start().catch((e: unknown) => {
      this.#set({ ...this.#state, voice: { status: 'failed', error: new SessionError('voice-failed', String(e), { cause: e }) } });
    });
  }

  #upsertUser(user: UserView): void {
    const users = this.#state.users.some((u) => u.sessionId === user.sessionId)
      ? this.#state.users.map((u) => (u.sessionId === user.sessionId ? user : u))
      : [...this.#state.users, user];
    const isSelf = user.sessionId === this.#state.selfSessionId;
    const moved = isSelf && user.roomId !== this.#state.roomId;
    this.#set({ ...this.#state, users, roomId: isSelf ? user.roomId : this.#state.roomId });
    if (isSelf) this.#syncRoomToAudio();
    if (moved) this.#chat.followRoom(user.roomId);
  }

  #syncRoomToAudio(): void {
    const room = this.#state.rooms.find((r) => r.id === this.#state.roomId);
    if (room) this.#audio.setRoom(room.voiceId);
  }

  #clearVoiceTimer(): void {
    if (this.#voiceTimer === null) return;
    (this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.#voiceTimer);
    this.#voiceTimer = null;
  }

  #teardown(): void {
    this.#clearVoiceTimer();
    if (this.#retryTimer !== null) {
      (this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.#retryTimer);
      this.#retryTimer = null;
    }
    this.#voice?.close();
    this.#voice = null;
    this.#tree.disconnected();
    this.#signal?.close();
    this.#signal = null;
    this.#chat.disconnected();
  }

  /** Closes everything; the session cannot be used afterwards. */
  async close(): Promise<void> {
    this.#credentials = null;
    this.#teardown();
    this.#audio.close();
    this.#tree.close();
    this.#chat.close();
    this.#listeners.clear();
  }
}
