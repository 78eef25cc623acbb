/**
 * Typed DOM events the UI components fire upward to <parley-app>. Each event
 * that asks the session for something carries the session `Command` it
 * stands for (`command`), so the app dispatches them all with one listener
 * (`SESSION_COMMAND_EVENTS`) instead of translating each by hand.
 */
import type { ChatCommand, Command, VoiceCommand } from '../session/index.ts';
import type { TreeEdit } from '../session/tree/index.ts';
import type { AclChange } from '../session/perms/acl-draft.ts';
import type { Permission } from '../../perms/index.ts';

/** Session commands an admin panel can ask for. */
export type AdminCommand = Extract<Command, { type: 'create-invite' | 'revoke-invite' | 'kick' | 'ban' | 'lift-ban' | 'set-role' }>;

/** The user asked to connect with these credentials. */
export class ConnectRequestEvent extends Event {
  static readonly type = 'connect-request';
  constructor(readonly displayName: string, readonly password: string) {
    super(ConnectRequestEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'connect', displayName: this.displayName, password: this.password };
  }
}

/** The user asked to move into a room. */
export class JoinRoomEvent extends Event {
  static readonly type = 'join-room';
  constructor(readonly roomId: string) {
    super(JoinRoomEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'join-room', roomId: this.roomId };
  }
}

/** The user asked for a temporary room under `parentId` (the relay moves them in). */
export class MakeTempRoomEvent extends Event {
  static readonly type = 'make-temp-room';
  constructor(readonly name: string, readonly parentId: string) {
    super(MakeTempRoomEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'make-temp-room', name: this.name, parentId: this.parentId };
  }
}

/** The user renamed a temporary room or set its limit (0 = none). */
export class EditTempRoomEvent extends Event {
  static readonly type = 'edit-temp-room';
  constructor(readonly roomId: string, readonly name: string, readonly userLimit: number) {
    super(EditTempRoomEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'edit-temp-room', roomId: this.roomId, name: this.name, userLimit: this.userLimit };
  }
}

/** The user toggled mute or deafen. */
export class VoiceToggleEvent extends Event {
  static readonly type = 'voice-toggle';
  constructor(readonly control: 'mute' | 'deafen', readonly on: boolean) {
    super(VoiceToggleEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return this.control === 'mute' ? { type: 'set-muted', muted: this.on } : { type: 'set-deafened', deafened: this.on };
  }
}

/** A voice setting or control changed (mode, push-to-talk, devices, volumes, mic test, network simulator). */
export class VoiceCommandEvent extends Event {
  static readonly type = 'voice-command';
  constructor(readonly command: VoiceCommand) {
    super(VoiceCommandEvent.type, { bubbles: true, composed: true });
  }
}

/** The user asked to open the voice settings. */
export class OpenVoiceSettingsEvent extends Event {
  static readonly type = 'open-voice-settings';
  constructor() {
    super(OpenVoiceSettingsEvent.type, { bubbles: true, composed: true });
  }
}

/** The user did something in chat (send, edit, delete, open a conversation, load older, discard). */
export class ChatCommandEvent extends Event {
  static readonly type = 'chat-command';
  constructor(readonly command: ChatCommand) {
    super(ChatCommandEvent.type, { bubbles: true, composed: true });
  }
}

/** The user changed their display name (identity unchanged). */
export class RenameEvent extends Event {
  static readonly type = 'rename';
  constructor(readonly displayName: string) {
    super(RenameEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for (the app also remembers the name). */
  get command(): Command {
    return { type: 'rename', displayName: this.displayName };
  }
}

/** An admin asked for an admin action (create/revoke invite, kick, ban, lift ban, set role). */
export class AdminCommandEvent extends Event {
  static readonly type = 'admin-command';
  constructor(readonly command: AdminCommand) {
    super(AdminCommandEvent.type, { bubbles: true, composed: true });
  }
}

/** The user decided about a changed relay key. */
export class RelayKeyDecisionEvent extends Event {
  static readonly type = 'relay-key-decision';
  constructor(readonly accept: boolean) {
    super(RelayKeyDecisionEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: this.accept ? 'accept-relay-key' : 'reject-relay-key' };
  }
}

/** An admin asked to change the room tree (create, rename, move, delete, describe). */
export class TreeEditEvent extends Event {
  static readonly type = 'tree-edit';
  constructor(readonly edit: TreeEdit) {
    super(TreeEditEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'tree-edit', edit: this.edit };
  }
}

/** Someone with edit-perms saved changes to a room's permissions (rules, groups, inherit). */
export class AclEditEvent extends Event {
  static readonly type = 'acl-edit';
  constructor(readonly roomId: string, readonly changes: readonly AclChange[]) {
    super(AclEditEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'acl-edit', roomId: this.roomId, changes: this.changes };
  }
}

/** Open the permissions editor of a room. */
export class OpenPermissionsEvent extends Event {
  static readonly type = 'open-permissions';
  constructor(readonly roomId: string) {
    super(OpenPermissionsEvent.type, { bubbles: true, composed: true });
  }
}

/**
 * Open the inspector: for yourself on a room ("Why?" on a refusal, with the
 * permission it was about), or for anyone (`choice`, see subject-choice.ts).
 */
export class InspectEvent extends Event {
  static readonly type = 'inspect';
  constructor(readonly roomId: string, readonly permission: Permission | '' = '', readonly choice = 'self') {
    super(InspectEvent.type, { bubbles: true, composed: true });
  }
}

/** An admin opened the actions of a room. */
export class RoomActionsEvent extends Event {
  static readonly type = 'room-actions';
  constructor(readonly roomId: string) {
    super(RoomActionsEvent.type, { bubbles: true, composed: true });
  }
}

/** The user dismissed a refused-change message. */
export class DismissRefusalEvent extends Event {
  static readonly type = 'dismiss-refusal';
  constructor(readonly opIdHex: string) {
    super(DismissRefusalEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'dismiss-refusal', opIdHex: this.opIdHex };
  }
}

/** An admin asked for (more of) the room history; `beforeSeq` 0 = newest. */
export class LoadHistoryEvent extends Event {
  static readonly type = 'load-history';
  constructor(readonly beforeSeq: number) {
    super(LoadHistoryEvent.type, { bubbles: true, composed: true });
  }
  /** The session command this event stands for. */
  get command(): Command {
    return { type: 'load-history', beforeSeq: this.beforeSeq };
  }
}

/** Room passwords: enter with a password, close the prompt, or set a password group's password. */
export type RoomPasswordCommand = Extract<Command, { type: 'join-room' | 'cancel-room-password' | 'set-room-password' }>;

/** The user offered a room password, closed the prompt, or set a room's password. */
export class RoomPasswordEvent extends Event {
  static readonly type = 'room-password';
  constructor(readonly command: RoomPasswordCommand) {
    super(RoomPasswordEvent.type, { bubbles: true, composed: true });
  }
}

/** The room invite commands: make a link, or close it. */
export type RoomInviteCommand = Extract<Command, { type: 'make-room-invite' | 'close-room-invite' }>;

/** A room invite command from the invite dialog. */
export class RoomInviteEvent extends Event {
  static readonly type = 'room-invite';
  constructor(readonly command: RoomInviteCommand) {
    super(RoomInviteEvent.type, { bubbles: true, composed: true });
  }
}

/** Open "Invite to this room" for a room. */
export class OpenRoomInviteEvent extends Event {
  static readonly type = 'open-room-invite';
  constructor(readonly roomId: string) {
    super(OpenRoomInviteEvent.type, { bubbles: true, composed: true });
  }
}

/** An event that stands for one session command. */
export type SessionCommandEvent =
  | ConnectRequestEvent
  | JoinRoomEvent
  | MakeTempRoomEvent
  | EditTempRoomEvent
  | VoiceToggleEvent
  | VoiceCommandEvent
  | ChatCommandEvent
  | RenameEvent
  | AdminCommandEvent
  | RelayKeyDecisionEvent
  | TreeEditEvent
  | AclEditEvent
  | DismissRefusalEvent
  | LoadHistoryEvent
  | RoomPasswordEvent
  | RoomInviteEvent;

/** The types of every {@link SessionCommandEvent}: the app dispatches each one's `command`. */
export const SESSION_COMMAND_EVENTS: readonly (keyof HTMLElementEventMap)[] = [
  'connect-request',
  'join-room',
  'make-temp-room',
  'edit-temp-room',
  'voice-toggle',
  'voice-command',
  'chat-command',
  'rename',
  'admin-command',
  'relay-key-decision',
  'tree-edit',
  'acl-edit',
  'dismiss-refusal',
  'load-history',
  'room-password',
  'room-invite',
];

declare global {
  interface HTMLElementEventMap {
    'voice-command': VoiceCommandEvent;
    'open-voice-settings': OpenVoiceSettingsEvent;
    'chat-command': ChatCommandEvent;

    'tree-edit': TreeEditEvent;
    'acl-edit': AclEditEvent;
    'open-permissions': OpenPermissionsEvent;
    inspect: InspectEvent;
    'room-actions': RoomActionsEvent;
    'dismiss-refusal': DismissRefusalEvent;
    'load-history': LoadHistoryEvent;
    'room-password': RoomPasswordEvent;
    'room-invite': RoomInviteEvent;
    'open-room-invite': OpenRoomInviteEvent;
    'connect-request': ConnectRequestEvent;
    'join-room': JoinRoomEvent;
    'make-temp-room': MakeTempRoomEvent;
    'edit-temp-room': EditTempRoomEvent;
    'voice-toggle': VoiceToggleEvent;
    rename: RenameEvent;
    'admin-command': AdminCommandEvent;
    'relay-key-decision': RelayKeyDecisionEvent;
  }
}
