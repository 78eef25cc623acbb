/**
 * The client's non-UI backend. Holds a read-only `State` snapshot, takes
 * `Command`s through `dispatch()`, and notifies `subscribe()`rs after each
 * change. Every state change goes through `#set()` (one choke point).
 *
 * Layers: Session (product state) -> SignalConnection (WebSocket + codec)
 * and VoiceLink (voice-link.ts: the VoiceTransport's RTCPeerConnection +
 * DataChannel, offers and re-offers) -> relay. The audio engine is injected
 * and driven by AudioLink (audio-link.ts), which derives everything the
 * engine does from the state. Datagrams never pass through this file: the
 * two links share one VoicePath (voice-path.ts) that hands them across.
 * Voice settings persist through the injected SettingsStore. How presence and the connection change the state are pure
 * reducers (presence.ts, connection-state.ts); what each control message does
 * is control-messages.ts; this file is the wiring.
 */
import type { AuthOk, EnvelopeInit, ServerHello } from '../../proto/index.ts';
import { toHex } from '../../keys/index.ts';
import type { AudioEngine } from '../audio/types.ts';
import type { RoomTreeStore } from './tree/index.ts';
import { AccessManager } from './access/access-manager.ts';
import { AudioLink } from './voice/audio-link.ts';
import { ControlLink } from './connection/control-link.ts';
import { ChatClient, memoryChatPersistence } from './chat/index.ts';
import type { ChatCommand } from './chat/index.ts';
import { signedOutState } from './connection/connection-state.ts';
import { makeRoomInvite, RoomInviteRedeemer } from './perms/room-invite.ts';
import { aclEdits } from './perms/acl-ops.ts';
import { RoomEntry } from './perms/room-entry.ts';
import { currentVoiceId, signedInState } from './presence.ts';
import { memoryPins } from './access/relay-pins.ts';
import type { SessionDeps } from './session-deps.ts';
import { clientAuthMessage, signHello } from './connection/sign-in.ts';
import type { Credentials } from './connection/sign-in.ts';
import { ControlMessages } from './control-messages.ts';
import { exponentialBackoff } from './connection/reconnect-policy.ts';
import { RelayList } from './connection/relay-list.ts';
import { Steering } from './connection/steering.ts';
import { initialState } from './state.ts';
import type { Command, State, VoiceCommand } from './state.ts';
import { createTreeLink } from './tree/tree-link.ts';
import { roleName } from './views.ts';
import { reduceVoiceCommand } from './voice/voice-commands.ts';
import { VoiceLink } from './voice/voice-link.ts';
import { VoicePath } from './voice/voice-path.ts';
import { memorySettingsStore, parseVoiceSettings } from './voice/voice-settings.ts';
import type { SettingsStore } from './voice/voice-settings.ts';
import { FilesLink } from './files-link.ts';
import { editTempRoomMessage, isTempRoom, makeTempRoomMessage } from './temp-rooms.ts';

export type { SessionDeps } from './session-deps.ts';

type Listener = (state: State) => void;

/** `ws(s)://host/ws` -> `http(s)://host/`: where invite links point by default. */
const pageUrlOf = (wsUrl: string): string => wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/');

/** The client session. Create one per page. */
export class Session {
  #state: State;
  readonly #listeners = new Set<Listener>();
  readonly #deps: SessionDeps;
  readonly #control: ControlLink;
  readonly #voice: VoiceLink;
  readonly #audio: AudioLink;
  readonly #settingsStore: SettingsStore;
  #credentials: Credentials | null = null;
  #mutedBeforeDeafen = false;
  /** The room last asked for (a PASSWORD_WRONG answers it) and the SetRoomPassword request counter. */
  readonly #entry = new RoomEntry();
  /** The room invite this tab was opened with, if any. */
  readonly #roomInvite: RoomInviteRedeemer;
  readonly #access: AccessManager;
  readonly #tree: RoomTreeStore;
  readonly #chat: ChatClient;
  /** File sharing (its engine loads on first use). */
  readonly files: FilesLink;
  /** The relay key of the current connection, once trusted (chat items are signed for it). */
  #relayKey: Uint8Array | null = null;
  /** What each control message from the relay does (control-messages.ts). */
  readonly #messages: ControlMessages;
  /** The relays of the organisation (home first) the control link fails over between, and the move to the one holding our room (room placement). */
  readonly #relays: RelayList;
  readonly #steering: Steering;

  constructor(deps: SessionDeps) {
    this.#deps = deps;
    this.#roomInvite = new RoomInviteRedeemer(deps.roomInvite ?? null, deps.onRoomInviteSettled ?? (() => {}));
    this.#settingsStore = deps.settingsStore ?? memorySettingsStore();
    this.#relays = new RelayList(deps.url, deps.relayLists, deps.now ?? Date.now);
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
    this.#tree = createTreeLink({
      deps,
      state: () => this.#state,
      update: (next) => {
        // The room list comes from the tree only: the session's voice room is known once it names the room.
        const before = currentVoiceId(this.#state);
        this.#set(next);
        if (currentVoiceId(next) !== before) this.#syncRoomToAudio();
      },
    });
    this.#chat = new ChatClient({
      signer: deps.signer,
      persistence: deps.chatPersistence ?? memoryChatPersistence(),
      onChange: (chat) => this.#set({ ...this.#state, chat }),
      ...(deps.setTimer ? { setTimer: deps.setTimer } : {}),
      ...(deps.clearTimer ? { clearTimer: deps.clearTimer } : {}),
    });
    this.files = new FilesLink({
      signer: deps.signer,
      postFile: (conversation, text, id, file) => this.#chat.dispatch({ type: 'chat-send-file', conversation, text, id, file }),
      onChange: () => this.#set({ ...this.#state }),
      now: deps.now ?? Date.now,
      setTimer: this.#setTimer,
      clearTimer: this.#clearTimer,
      ...(deps.filesPrefs ? { prefsStore: deps.filesPrefs } : {}),
      ...(deps.storageEstimate ? { estimate: deps.storageEstimate } : {}),
    });
    const session = this;
    const path = new VoicePath(this.#setTimer);
    this.#audio = new AudioLink(
      {
        get state() {
          return session.#state;
        },
        set: (next) => this.#set(next),
        sendControl: (msg) => this.#control.signal?.send(msg),
      },
      {
        createAudio: deps.createAudio,
        path,
        setTimer: this.#setTimer,
        now: deps.now ?? Date.now,
        devices: deps.devices ?? null,
        canChooseOutput: deps.canChooseOutput ?? false,
      },
    );
    this.#voice = new VoiceLink(
      {
        state: () => this.#state,
        set: (next) => this.#set(next),
        audioRunning: () => this.#audio.engine !== null,
      },
      { createTransport: deps.createVoiceTransport, path, setTimer: this.#setTimer, clearTimer: this.#clearTimer },
    );
    this.#messages = new ControlMessages({
      state: () => this.#state, set: (next) => this.#set(next), send: this.#send,
      access: this.#access, roomInvite: this.#roomInvite, entry: this.#entry, audio: this.#audio, voice: this.#voice,
      relays: this.#relays, files: this.files, tree: this.#tree, chat: this.#chat,
      serverHello: (hello) => this.#onServerHello(hello), authOk: (ok) => this.#onAuthOk(ok),
      forgetCredentials: () => {
        this.#credentials = null;
      },
      syncRoomToAudio: () => this.#syncRoomToAudio(),
      placement: (p) => this.#steering.offer(p),
    });
    this.#steering = new Steering({ state: () => this.#state, relays: this.#relays, reconnect: () => this.#control.connect(1), now: deps.now ?? Date.now, setTimer: this.#setTimer, clearTimer: this.#clearTimer });
    this.#control = new ControlLink(
      {
        state: () => this.#state,
        set: (next) => this.#set(next),
        wanted: () => this.#credentials !== null,
        onMessage: (m) => this.#messages.handle(m),
        teardown: () => this.#teardown(),
        onDropped: () => this.#chat.replyLost(),
      },
      { relays: this.#relays, webSocket: deps.webSocket, policy: deps.reconnectPolicy ?? exponentialBackoff(), setTimer: this.#setTimer, clearTimer: this.#clearTimer },
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
        this.#control.connect(0);
        return;
      case 'disconnect': {
        this.#credentials = null;
        this.#teardown();
        this.#audio.close();
        this.#set(signedOutState(this.#state, this.#chat.state));
        return;
      }
      case 'rename': {
        const name = cmd.displayName.trim();
        if (!name) return;
        if (this.#credentials) this.#credentials = { ...this.#credentials, displayName: name };
        this.#chat.renamed(name);
        if (this.#state.connection.status === 'connected') this.#control.signal?.send({ case: 'setDisplayName', value: { displayName: name } });
        return;
      }
      case 'accept-relay-key':
        if (this.#access.acceptRelayKey() && this.#credentials) {
          this.#audio.start();
          this.#control.connect(0);
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
      case 'acl-edit':
        for (const edit of aclEdits(cmd.roomId, cmd.changes)) void this.#tree.edit(edit);
        return;
      case 'dismiss-refusal':
        this.#tree.dismiss(cmd.opIdHex);
        return;
      case 'load-history':
        this.#tree.requestHistory(cmd.beforeSeq);
        return;
      case 'make-temp-room':
        this.#send(makeTempRoomMessage(cmd.name, cmd.parentId));
        return;
      case 'edit-temp-room':
        this.#send(editTempRoomMessage(cmd.roomId, cmd.name, cmd.userLimit));
        return;
      case 'join-room':
        this.#entry.join(this.#state, this.#send, cmd.roomId, cmd.password);
        return;
      case 'cancel-room-password':
        this.#set({ ...this.#state, roomPassword: null });
        return;
      case 'set-room-password':
        this.#set(this.#entry.setPassword(this.#state, this.#send, cmd.roomId, cmd.group, cmd.password));
        return;
      case 'make-room-invite':
        if (this.#relayKey) {
          const ctx = { signer: this.#deps.signer, relayKey: this.#relayKey, baseUrl: this.#deps.inviteBaseUrl ?? pageUrlOf(this.#deps.url), now: (this.#deps.now ?? Date.now)() };
          void makeRoomInvite(cmd, ctx, () => this.#state, (s) => this.#set(s));
        }
        return;
      case 'close-room-invite':
        this.#set({ ...this.#state, roomInviteLink: null });
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

  /** Sends on the current control connection; undefined when there is none. */
  readonly #send = (msg: EnvelopeInit): boolean | undefined => this.#control.signal?.send(msg);

  #voiceCommand(cmd: VoiceCommand): void {
    const before = this.#state;
    this.#set(reduceVoiceCommand(before, cmd));
    this.#audio.afterVoiceCommand(cmd, before.voiceSettings);
  }

  #setSelf(muted: boolean, deafened: boolean): void {
    if (deafened && !this.#state.deafened) this.#mutedBeforeDeafen = this.#state.muted;
    this.#set({ ...this.#state, muted, deafened });
    this.#control.signal?.send({ case: 'setSelfState', value: { muted, deafened } });
  }

  readonly #setTimer = (fn: () => void, ms: number): unknown => (this.#deps.setTimer ?? ((f, t) => setTimeout(f, t)))(fn, ms);
  readonly #clearTimer = (handle: unknown): void => (this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(handle);

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

  async #onServerHello(hello: ServerHello): Promise<void> {
    if (!this.#credentials) return;
    const signal = this.#control.signal;
    const trusted = await this.#access.checkRelayKey(hello);
    if (!trusted) {
      // Nothing signed for a relay we do not recognise; the user decides (accept-relay-key).
      this.#teardown();
      return;
    }
    if (this.#control.signal !== signal || !this.#credentials) return;
    this.#relayKey = hello.relayPublicKey;
    this.#set({ ...this.#state, serverName: hello.serverName, connection: { ...this.#state.connection, status: 'authenticating' } });
    const signature = await signHello(this.#deps.signer, hello);
    this.#control.signal?.send(clientAuthMessage(this.#deps.signer.publicKey, signature, this.#credentials, this.#access.inviteBytes()));
  }

  #onAuthOk(ok: AuthOk): void {
    const signal = this.#control.signal;
    if (signal) this.#access.signedIn((m) => signal.send(m));
    if (signal) this.#roomInvite.signedIn((m) => signal.send(m));
    this.#relays.accept(ok.relayUrls);
    // Back after a lost connection, possibly on another relay of the cluster (which does not know our last room): ask for it.
    // A temporary room does not outlive the relay that held it: the relay has placed us in its parent.
    const before = this.#state.roomId !== null && isTempRoom(this.#state, this.#state.roomId) ? null : this.#state.roomId;
    this.#messages.startRoster();
    this.#set(signedInState(this.#state, ok));
    if (before !== null && before !== ok.roomId && this.#state.rooms.some((r) => r.id === before)) this.#entry.join(this.#state, this.#send, before, '');
    this.#syncRoomToAudio();
    if (this.#relayKey && signal) {
      this.#chat.connected({ relayKey: this.#relayKey, selfName: this.#credentials?.displayName ?? '', send: (m) => signal.send(m) });
      this.#chat.followRoom(ok.roomId);
    }
    // Tell the relay our mute/deafen state (it may differ from its defaults after a reconnect).
    this.#control.signal?.send({ case: 'setSelfState', value: { muted: this.#state.muted, deafened: this.#state.deafened } });
    if (signal) this.#voice.start((m) => signal.send(m));
    if (signal && this.#relayKey) this.files.connected(this.#relayKey, (m) => signal.send(m));
    if (signal && this.#relayKey) void this.#tree.connected(this.#relayKey, roleName(ok.role), (m) => signal.send(m));
  }

  #syncRoomToAudio(): void {
    const voiceId = currentVoiceId(this.#state);
    if (voiceId !== null) this.#audio.setRoom(voiceId);
  }

  #teardown(): void {
    this.#steering.cancel();
    this.#messages.stopRoster();
    this.#voice.close();
    this.#tree.disconnected();
    this.#control.stop();
    this.#chat.disconnected();
    this.files.disconnected();
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
