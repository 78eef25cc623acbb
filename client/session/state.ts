/**
 * The session's state snapshot (read-only, replaced on every change) and the
 * commands the UI sends. The UI renders from `State` and never holds its own
 * copy of shared state.
 */
import type { SessionError } from './errors.ts';
import { initialChatState } from './chat/chat-state.ts';
import type { ChatState } from './chat/chat-state.ts';
import type { ChatCommand } from './chat/chat-client.ts';

/** Lifecycle of the control connection. */
export type ConnectionStatus = 'idle' | 'connecting' | 'authenticating' | 'connected' | 'reconnecting' | 'failed';

/** Lifecycle of the voice path (mic + DataChannel). */
export type VoiceStatus = 'off' | 'starting' | 'ready' | 'failed';

export interface RoomView {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
  readonly position: number;
  readonly voiceId: number;
}

export interface UserView {
  readonly sessionId: number;
  readonly publicKeyHex: string;
  readonly displayName: string;
  readonly roomId: string;
  readonly muted: boolean;
  readonly deafened: boolean;
  /** The relay gave this session the admin role. */
  readonly isAdmin: boolean;
}

export interface State {
  readonly connection: { readonly status: ConnectionStatus; readonly error: SessionError | null; readonly attempt: number };
  readonly identity: { readonly publicKeyHex: string; readonly fingerprint: string } | null;
  readonly serverName: string;
  readonly selfSessionId: number | null;
  readonly roomId: string | null;
  readonly rooms: readonly RoomView[];
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
  /** Room chat and direct messages. */
  readonly chat: ChatState;
}

export type Command =
  | { readonly type: 'connect'; readonly displayName: string; readonly password: string }
  | { readonly type: 'disconnect' }
  | { readonly type: 'join-room'; readonly roomId: string }
  | { readonly type: 'set-muted'; readonly muted: boolean }
  | { readonly type: 'set-deafened'; readonly deafened: boolean }
  | { readonly type: 'dismiss-notice' }
  | ChatCommand;

export const initialState: State = {
  connection: { status: 'idle', error: null, attempt: 0 },
  identity: null,
  serverName: '',
  selfSessionId: null,
  roomId: null,
  rooms: [],
  users: [],
  talking: new Set(),
  voice: { status: 'off', error: null },
  muted: false,
  deafened: false,
  inputLevel: 0,
  transmitting: false,
  notice: null,
  chat: initialChatState,
};
