/**
 * The session's state snapshot (read-only, replaced on every change) and the
 * commands the UI sends. The UI renders from `State` and never holds its own
 * copy of shared state.
 */
import type { SessionError } from './errors.ts';
import type { NetSimConfig } from './voice/net-sim.ts';
import { NET_SIM_OFF } from './voice/net-sim.ts';
import type { SelectableTransmitMode, VoiceSettings } from './voice/voice-settings.ts';
import { DEFAULT_VOICE_SETTINGS } from './voice/voice-settings.ts';
import { initialChatState } from './chat/chat-state.ts';
import type { ChatState } from './chat/chat-state.ts';
import type { ChatCommand } from './chat/chat-client.ts';

import { emptyTreeView } from './tree/index.ts';
import type { AclChange } from './perms/acl-draft.ts';
import type { RoomView, TreeEdit, TreeView } from './tree/index.ts';

export type { RoomView } from './tree/index.ts';

/** Lifecycle of the control connection. */
export type ConnectionStatus = 'idle' | 'connecting' | 'authenticating' | 'connected' | 'reconnecting' | 'failed';

/** Lifecycle of the voice path (mic + DataChannel). */
export type VoiceStatus = 'off' | 'starting' | 'ready' | 'failed';

/** A user's role on the relay. */
export type RoleName = 'guest' | 'member' | 'admin';

export interface UserView {
  readonly sessionId: number;
  readonly publicKeyHex: string;
  readonly displayName: string;
  readonly roomId: string;
  readonly muted: boolean;
  readonly deafened: boolean;
  readonly role: RoleName;
  /** The relay does not forward their voice: the room's rules do not let them speak there (absent = false). */
  readonly suppressed?: boolean;
}

/** An invite as admins see it. */
export interface InviteView {
  readonly idHex: string;
  readonly role: RoleName;
  /** Unix ms; 0 = never. */
  readonly expiresAtMs: number;
  /** 0 = unlimited. */
  readonly maxUses: number;
  readonly uses: number;
  readonly issuerHex: string;
  readonly revoked: boolean;
}

/** A ban in force, as admins see it. */
export interface BanView {
  readonly publicKeyHex: string;
  readonly displayName: string;
  /** Unix ms; 0 = until lifted. */
  readonly untilMs: number;
  readonly reason: string;
  readonly bannedAtMs: number;
}

/** The relay presented a different key than the one pinned for its address. */
export interface RelayKeyChange {
  readonly address: string;
  readonly pinnedFingerprint: string;
  readonly offeredFingerprint: string;
  /** Where the expectation came from: an earlier visit, or the invite link being used. */
  readonly source: 'pinned' | 'invite';
}

/** One audio device as the settings panel lists it. */
export interface DeviceView {
  readonly id: string;
  /** The browser's label, or "Microphone 2"-style when it hides labels (before mic permission). */
  readonly label: string;
}

/** The devices the browser offers. */
export interface DeviceList {
  readonly inputs: readonly DeviceView[];
  readonly outputs: readonly DeviceView[];
  /** Whether this browser lets the page choose the output device (AudioContext.setSinkId). */
  readonly canChooseOutput: boolean;
}

/** The password prompt: which room, and whether the last password offered was wrong. */
export interface RoomPasswordPrompt {
  readonly roomId: string;
  readonly wrong: boolean;
}

/** The last SetRoomPassword this client sent, and the relay's answer once it came. */
export interface RoomPasswordSetView {
  readonly requestId: number;
  readonly roomId: string;
  readonly group: string;
  /** 'sending' until the PermsResult; then 'done' or 'failed' (with the relay's message). */
  readonly status: 'sending' | 'done' | 'failed';
  readonly message: string;
  readonly cleared: boolean;
}

export interface State {
  readonly connection: { readonly status: ConnectionStatus; readonly error: SessionError | null; readonly attempt: number };
  readonly identity: { readonly publicKeyHex: string; readonly fingerprint: string } | null;
  readonly serverName: string;
  readonly selfSessionId: number | null;
  readonly roomId: string | null;
  readonly rooms: readonly RoomView[];
  /** The temporary rooms the relay says this session may see (temp-rooms.ts); not part of the tree. */
  readonly tempRooms: readonly RoomView[];
  readonly users: readonly UserView[];
  /** Session ids currently heard (remote) or sending above the meter floor (self). */
  readonly talking: ReadonlySet<number>;
  readonly voice: { readonly status: VoiceStatus; readonly error: SessionError | null };
  readonly muted: boolean;
  readonly deafened: boolean;
  /** 0..1, local microphone level. */
  readonly inputLevel: number;
  /** True while the capture side is actually sending voice. */
  readonly transmitting: boolean;
  /** The last non-fatal error to show briefly (e.g. a refused room join). */
  readonly notice: SessionError | null;
  /** This user's role on the relay (null before sign-in). */
  readonly role: RoleName | null;
  /** Set when the relay's key differs from the pinned one: the session refused to connect. */
  readonly relayKeyChange: RelayKeyChange | null;
  /** The invite this page was opened with, until it is used or refused. */
  readonly invite: { readonly role: RoleName; readonly expiresAtMs: number } | null;
  /** Admins only: invites and bans, as the relay last reported them. */
  readonly admin: { readonly invites: readonly InviteView[]; readonly bans: readonly BanView[] } | null;
  /** The last invite link this admin created (to copy and share). */
  readonly createdInvite: { readonly link: string; readonly role: RoleName; readonly expiresAtMs: number; readonly maxUses: number } | null;
  /** Room chat and direct messages. */
  readonly chat: ChatState;
  /** The user's voice settings (persisted). */
  readonly voiceSettings: VoiceSettings;
  /** Push-to-talk key or on-screen button held. */
  readonly pttDown: boolean;
  /** Microphone test running: own voice played back locally, nothing sent. */
  readonly micTest: boolean;
  readonly devices: DeviceList;
  /** Developer network simulator on the outgoing voice path. */
  readonly netSim: NetSimConfig;
  /** Expected loss the encoder's FEC is sized for, percent (follows listeners' reports). */
  readonly expectedLossPct: number;

  /** The room tree: cached replica, pending and refused changes, the audit history view (issue 4). */
  readonly tree: TreeView;
  /** Asking for a room's password (entering was refused, a password group would admit); null = no prompt. */
  readonly roomPassword: RoomPasswordPrompt | null;
  /** The last room password this user set or cleared (SetRoomPassword), with the relay's answer. */
  readonly roomPasswordSet: RoomPasswordSetView | null;
  /** The room invite link being made or made ("Invite to this room"); null = none. */
  readonly roomInviteLink: RoomInviteLinkView | null;
}

/** The invite link being made, or made, for a room. */
export interface RoomInviteLinkView {
  readonly roomId: string;
  readonly status: 'making' | 'ready' | 'failed';
  /** The link, once ready. */
  readonly link: string;
  /** Why it failed, for people. */
  readonly message: string;
}

/** What the user chose in the invite dialog. */
export interface RoomInviteChoice {
  readonly roomId: string;
  /** A token group (`password: true`) of that room. */
  readonly group: string;
  /** 0 = never expires. */
  readonly expiresInMs: number;
  /** 0 = unlimited. */
  readonly maxUses: number;
}

export type Command =
  | { readonly type: 'connect'; readonly displayName: string; readonly password: string }
  | { readonly type: 'disconnect' }
  /** Enter a room; `password` is offered for its password group (sent once, never stored). */
  | { readonly type: 'join-room'; readonly roomId: string; readonly password?: string }
  /** Make a temporary room under `parentId` (needs make-temp-room there); the relay moves us in. */
  | { readonly type: 'make-temp-room'; readonly name: string; readonly parentId: string }
  /** Rename a temporary room and set its user limit (0 = none); needs edit-room there (its maker, or an admin). */
  | { readonly type: 'edit-temp-room'; readonly roomId: string; readonly name: string; readonly userLimit: number }
  /** Close the room password prompt without entering. */
  | { readonly type: 'cancel-room-password' }
  /** Set (or with '' clear) the password of a password group defined on a room (needs edit-perms there). */
  | { readonly type: 'set-room-password'; readonly roomId: string; readonly group: string; readonly password: string }
  /** Sign a room invite for a token group of a room and show its link. `expiresInMs` 0 = never, `maxUses` 0 = unlimited. */
  | ({ readonly type: 'make-room-invite' } & RoomInviteChoice)
  | { readonly type: 'close-room-invite' }
  | { readonly type: 'set-muted'; readonly muted: boolean }
  | { readonly type: 'set-deafened'; readonly deafened: boolean }
  | { readonly type: 'dismiss-notice' }
  /** Change the display name; live (userUpdated for everyone) when connected. */
  | { readonly type: 'rename'; readonly displayName: string }
  /** Trust the relay's new key for its address and connect. */
  | { readonly type: 'accept-relay-key' }
  /** Keep the old key: stay disconnected, warning cleared. */
  | { readonly type: 'reject-relay-key' }
  /** Admin: sign an invite locally, register it, and show its link. `expiresInMs` 0 = never, `maxUses` 0 = unlimited. */
  | { readonly type: 'create-invite'; readonly role: 'member' | 'admin'; readonly expiresInMs: number; readonly maxUses: number }
  | { readonly type: 'revoke-invite'; readonly idHex: string }
  | { readonly type: 'kick'; readonly sessionId: number; readonly reason: string }
  /** `durationMs` 0 = until lifted. */
  | { readonly type: 'ban'; readonly publicKeyHex: string; readonly durationMs: number; readonly reason: string }
  | { readonly type: 'lift-ban'; readonly publicKeyHex: string }
  | { readonly type: 'set-role'; readonly publicKeyHex: string; readonly role: RoleName }
  | ChatCommand
  /** Admin: change the room tree (signed, queued while offline, shown as pending). */
  | { readonly type: 'tree-edit'; readonly edit: TreeEdit }
  /** Change a room's rules, groups or inherit switch: one signed op per change, queued like room edits. */
  | { readonly type: 'acl-edit'; readonly roomId: string; readonly changes: readonly AclChange[] }
  /** Hide a refused-change message. */
  | { readonly type: 'dismiss-refusal'; readonly opIdHex: string }
  /** Admin: load the audit history (older than `beforeSeq`; 0 = newest). */
  | { readonly type: 'load-history'; readonly beforeSeq: number }
  | VoiceCommand;

/** Commands about how voice is sent and played (settings, push-to-talk, devices, tests). */
export type VoiceCommand =
  | { readonly type: 'set-transmit-mode'; readonly mode: SelectableTransmitMode }
  /** Push-to-talk key or button pressed (`down: true`) or released. */
  | { readonly type: 'push-to-talk'; readonly down: boolean }
  /** Push-to-talk key as a `KeyboardEvent.code`. */
  | { readonly type: 'set-ptt-key'; readonly code: string }
  | { readonly type: 'set-voice-activation'; readonly thresholdDb?: number; readonly hangMs?: number }
  /** null = system default. */
  | { readonly type: 'set-input-device'; readonly deviceId: string | null }
  | { readonly type: 'set-output-device'; readonly deviceId: string | null }
  /** Linear 0..2. */
  | { readonly type: 'set-input-gain'; readonly gain: number }
  /** Linear 0..2. */
  | { readonly type: 'set-output-volume'; readonly volume: number }
  /** Linear 0..2 for the user with this identity key. */
  | { readonly type: 'set-user-volume'; readonly publicKeyHex: string; readonly volume: number }
  | { readonly type: 'set-mic-test'; readonly on: boolean }
  /** Re-reads the device lists (the panel opened, a device was plugged in). */
  | { readonly type: 'refresh-devices' }
  | { readonly type: 'set-network-sim'; readonly config: Partial<NetSimConfig> };

export const initialState: State = {
  connection: { status: 'idle', error: null, attempt: 0 },
  identity: null,
  serverName: '',
  selfSessionId: null,
  roomId: null,
  rooms: [],
  tempRooms: [],
  users: [],
  talking: new Set(),
  voice: { status: 'off', error: null },
  muted: false,
  deafened: false,
  inputLevel: 0,
  transmitting: false,
  notice: null,
  roomPassword: null,
  roomPasswordSet: null,
  roomInviteLink: null,
  role: null,
  relayKeyChange: null,
  invite: null,
  admin: null,
  createdInvite: null,
  chat: initialChatState,
  voiceSettings: DEFAULT_VOICE_SETTINGS,
  pttDown: false,
  micTest: false,
  devices: { inputs: [], outputs: [], canChooseOutput: false },
  netSim: NET_SIM_OFF,
  expectedLossPct: 10,

  tree: emptyTreeView,
};
