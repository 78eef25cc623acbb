/**
 * What the session does with each control message from the relay: the
 * dispatch `Session` used to carry in its own `#onMessage`. It holds the one
 * piece of state only message handling needs (the roster pages received since
 * AuthOk); everything else is the session's parts, handed in as
 * `ControlTargets`, and every state change still goes through the session's
 * `set` (its one choke point).
 */
import type { AuthOk, RoomPlacement, RtcSignal, ServerHello } from '../../proto/index.ts';
import type { AccessManager } from './access/access-manager.ts';
import type { ChatClient } from './chat/index.ts';
import type { ControlMessage } from './connection/signal-connection.ts';
import type { RelayList } from './connection/relay-list.ts';
import { relayErrorState } from './connection/connection-state.ts';
import { isFatalAuthError, isInviteError, sessionErrorFromRelay } from './errors.ts';
import type { FilesLink } from './files-link.ts';
import { denialOf } from './perms/denial.ts';
import type { RoomEntry, SendControl } from './perms/room-entry.ts';
import type { RoomInviteRedeemer } from './perms/room-invite.ts';
import { enteredRoomState, passwordResultState } from './perms/room-password.ts';
import { withRosterPage, withUser, withoutUser } from './presence.ts';
import type { RosterInProgress } from './presence.ts';
import type { State, UserView } from './state.ts';
import { withTempRooms } from './temp-rooms.ts';
import type { RoomTreeStore } from './tree/index.ts';
import { toUserView } from './views.ts';
import type { AudioLink } from './voice/audio-link.ts';
import type { VoiceLink } from './voice/voice-link.ts';

/** The session's parts a control message can reach. */
export interface ControlTargets {
  readonly state: () => State;
  readonly set: (next: State) => void;
  readonly send: SendControl;
  readonly access: AccessManager;
  readonly roomInvite: RoomInviteRedeemer;
  readonly entry: RoomEntry;
  readonly audio: AudioLink;
  readonly voice: VoiceLink;
  readonly relays: RelayList;
  readonly files: FilesLink;
  readonly tree: RoomTreeStore;
  readonly chat: ChatClient;
  /** Sign-in: checks the relay key and answers with ClientAuth. */
  readonly serverHello: (hello: ServerHello) => Promise<void>;
  /** Sign-in succeeded: the session starts its links. */
  readonly authOk: (ok: AuthOk) => void;
  /** A fatal refusal: no reconnect. */
  readonly forgetCredentials: () => void;
  /** Tells the audio engine the session's voice room. */
  readonly syncRoomToAudio: () => void;
  /** The relay says another relay holds our room (connection/steering.ts). */
  readonly placement: (p: RoomPlacement) => void;
}

/** Routes the relay's control messages to the session's parts. */
export class ControlMessages {
  readonly #t: ControlTargets;
  /** The roster pages received since authOk, until the last one (then null). */
  #roster: RosterInProgress | null = null;

  constructor(targets: ControlTargets) {
    this.#t = targets;
  }

  /** AuthOk arrived: roster pages follow. */
  startRoster(): void {
    this.#roster = { users: [] };
  }

  /** The connection is gone: a roster in progress is dropped. */
  stopRoster(): void {
    this.#roster = null;
  }

  /** Handles one control message. */
  async handle(m: ControlMessage): Promise<void> {
    const t = this.#t;
    const msg = m.msg;
    switch (msg.case) {
      case 'serverHello':
        await t.serverHello(msg.value);
        return;
      case 'authOk':
        t.access.settleInvite();
        t.files.setTurn(msg.value.turn);
        t.authOk(msg.value);
        return;
      case 'error': {
        const err = sessionErrorFromRelay(msg.value.code, msg.value.message, msg.value.untilMs, denialOf(msg.value));
        if (isInviteError(err.code)) t.access.settleInvite();
        // A fatal refusal (kick, ban, bad key) also forgets the credentials: no reconnect.
        if (isFatalAuthError(err.code)) t.forgetCredentials();
        const prompted = msg.value.context === 'join_room' ? t.entry.refused(t.state(), err) : null;
        t.set(prompted?.roomPassword ? prompted : relayErrorState(prompted ?? t.state(), err));
        return;
      }
      case 'permsResult':
        t.set(t.roomInvite.answered(t.state(), msg.value) ?? passwordResultState(t.state(), msg.value));
        return;
      case 'adminState':
        t.access.adminState(msg.value);
        return;
      case 'adminResult':
        t.access.adminResult(msg.value);
        return;
      case 'presencePage': {
        if (!this.#roster) return;
        const step = withRosterPage(t.state(), this.#roster, msg.value);
        if (!step.complete) {
          this.#roster = step.roster;
          return;
        }
        this.#roster = null;
        t.set(step.state);
        return;
      }
      case 'userJoined':
        if (msg.value.user) this.#upsertUser(toUserView(msg.value.user));
        return;
      case 'userUpdated':
        if (msg.value.user) {
          const user = toUserView(msg.value.user);
          this.#upsertUser(user);
          t.access.selfUpdated(user);
        }
        return;
      case 'userLeft':
        t.audio.removeSender(msg.value.sessionId);
        t.set(withoutUser(t.state(), msg.value.sessionId));
        return;
      case 'rtcSignal':
        await t.voice.handleSignal(msg.value as RtcSignal);
        return;
      case 'voiceReady':
        t.voice.ready();
        return;
      case 'lossReport':
        t.audio.onLossReport(msg.value.fromSessionId, msg.value.lossPermille);
        return;
      case 'tempRooms':
        t.set(withTempRooms(t.state(), msg.value));
        return;
      case 'turnCredentials':
        t.files.setTurn(msg.value);
        return;
      case 'relayList':
        t.relays.accept(msg.value.urls);
        return;
      case 'roomPlacement':
        t.placement(msg.value);
        return;
      case 'ping':
        t.send({ case: 'pong', value: { nonce: msg.value.nonce } });
        return;
      default:
        if (!t.files.handle(msg) && !t.tree.handle(msg)) t.chat.handle(msg);
        return;
    }
  }

  #upsertUser(user: UserView): void {
    const t = this.#t;
    const { state, isSelf, moved } = withUser(t.state(), user);
    t.set(state);
    if (isSelf) {
      t.set(enteredRoomState(t.state(), user.roomId));
      t.syncRoomToAudio();
    }
    if (moved) t.chat.followRoom(user.roomId);
  }
}
