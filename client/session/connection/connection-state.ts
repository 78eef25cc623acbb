/**
 * Connection reducers: how `State` changes as the control connection is
 * opened, lost, refused and closed by the user. Pure: the session applies the
 * result through its one choke point and keeps the sockets and timers.
 */
import { CLOSE_SLOW_READER } from '../../../proto/index.ts';
import type { ChatState } from '../chat/index.ts';
import { SessionError, isFatalAuthError } from '../errors.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { initialState } from '../state.ts';
import type { State } from '../state.ts';

/** WebSocket close code 1012 (Service Restart): the relay is restarting, or the voice worker holding this session did. */
export const RESTART_CLOSE_CODE = 1012;

/** A connection attempt starts (attempt 0 is the first, later ones are reconnects). */
export function connectingState(state: State, attempt: number): State {
  const status = attempt === 0 ? 'connecting' : 'reconnecting';
  return { ...state, connection: { status, error: state.connection.error, attempt } };
}

/** What {@link closedState} decided. */
export interface CloseOutcome {
  readonly state: State;
  /** The attempt to reconnect with after `delayMs`, or null when the session gave up. */
  readonly retry: { readonly attempt: number; readonly delayMs: number } | null;
}

/**
 * The control socket closed while the user wants to be signed in. Null after
 * a fatal refusal (kick, ban, bad key: the form shows the reason and nothing
 * retries); otherwise the retry gets the next number (1 again after an
 * established connection was lost) and the policy the number of retries
 * before it, so the delays run 500 ms, 1 s, 2 s, 4 s … from any start.
 * `code` is the WebSocket close code (1012: restarting, retried at once).
 */
export function closedState(state: State, wasOpen: boolean, attempt: number, policy: ReconnectPolicy, code = 1006): CloseOutcome | null {
  const current = state.connection;
  if (current.status === 'failed' && current.error && isFatalAuthError(current.error.code)) return null;
  // 1012 (Service Restart): the relay finished what it had accepted and a new process is coming
  // up; say so, and retry at once. Until it answers, the message stays "restarting".
  const restarting = (wasOpen && code === RESTART_CLOSE_CODE) || (!wasOpen && current.error?.code === 'relay-restarting');
  // A slow-reader close says why in its code (the relay could not send an error frame: we were not reading).
  const error = restarting
    ? new SessionError('relay-restarting', 'relay restarting')
    : code === CLOSE_SLOW_READER
      ? new SessionError('too-slow', 'closed as a slow reader')
      : new SessionError(wasOpen ? 'connection-lost' : 'relay-unreachable', wasOpen ? 'connection lost' : 'relay unreachable');
  const next = wasOpen && current.status === 'connected' ? 1 : attempt + 1;
  const delayMs = wasOpen && restarting ? 0 : policy.nextDelayMs({ attempt: next - 1 });
  if (delayMs === null) return { state: { ...state, connection: { status: 'failed', error, attempt: next } }, retry: null };
  return { state: reconnectingState(state, error, next), retry: { attempt: next, delayMs } };
}

/** The connection was lost and a retry is scheduled: voice restarts, nobody talks. */
export function reconnectingState(state: State, error: SessionError, attempt: number): State {
  return {
    ...state,
    connection: { status: 'reconnecting', error, attempt },
    voice: { status: state.voice.status === 'failed' ? 'failed' : 'starting', error: state.voice.error },
    talking: new Set(),
  };
}

/**
 * The relay sent an error. Before sign-in, or a kick/ban while connected, it
 * sends the user back to the sign-in form with the reason; any other error
 * while connected is a notice.
 */
export function relayErrorState(state: State, err: SessionError): State {
  if (state.connection.status !== 'connected' || isFatalAuthError(err.code)) {
    const resetView = state.connection.status === 'connected' ? { selfSessionId: null, users: [], roomId: null, admin: null, role: null } : {};
    return { ...state, ...resetView, connection: { status: 'failed', error: err, attempt: state.connection.attempt } };
  }
  return { ...state, notice: err };
}

/** The user signed out: back to the initial state, keeping what belongs to this device (and the room list, which only the tree writes). */
export function signedOutState(state: State, chat: ChatState): State {
  const s = state;
  return { ...initialState, identity: s.identity, muted: s.muted, deafened: s.deafened, invite: s.invite, chat, tree: s.tree, rooms: s.rooms, voiceSettings: s.voiceSettings, devices: s.devices, netSim: s.netSim };
}
