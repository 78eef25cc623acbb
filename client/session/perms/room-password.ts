/**
 * Room passwords on the client (issue 15): when entering a room is refused
 * and a password group on its path would let this user in, the session asks
 * for the password instead of showing a notice, and re-sends JoinRoom with it.
 * A wrong one (PASSWORD_WRONG) keeps the prompt open with an error. The relay
 * remembers a match per key, so the client stores nothing: the password lives
 * only in the one JoinRoom it is sent in. Also the answer to SetRoomPassword
 * (PermsResult) for the permissions dialog. Pure state transitions.
 */
import { has, pathTo, permissionsOf } from '../../../perms/index.ts';
import type { Subject } from '../../../perms/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import type { SessionError } from '../errors.ts';
import type { RoomView } from '../tree/index.ts';
import type { State } from '../state.ts';
export type { RoomPasswordPrompt, RoomPasswordSetView } from '../state.ts';
import { permStateOf, selfSubject } from './perm-state.ts';

/** Longest relay message kept for the dialog (it is shown as text). */
const MAX_MESSAGE = 200;

/**
 * Whether some password group on the path to `roomId` would let `who` enter
 * there: evaluate with every such group held (as the relay would after a
 * matching password) and without.
 */
export function passwordMayAdmit(rooms: readonly RoomView[], who: Subject, roomId: string): boolean {
  const state = permStateOf(rooms);
  const path = pathTo(state, roomId);
  if (!path) return false;
  const groups = new Set<string>();
  for (const r of path) for (const g of r.acl.groups) if (g.password) groups.add(`${r.id}/${g.name}`);
  if (groups.size === 0) return false;
  const base = new Set([...(who.passwordGroups ?? [])]);
  const without = permissionsOf(state, { ...who, passwordGroups: base }, roomId);
  const withAll = permissionsOf(state, { ...who, passwordGroups: new Set([...base, ...groups]) }, roomId);
  return !has(without, 'enter') && has(withAll, 'enter');
}

/**
 * The state after a refused JoinRoom (`context` "join_room"), or null when
 * the refusal is not about a room password (it is then a notice as before).
 * `joining` is the room this client last asked to enter.
 */
export function joinRefusedState(state: State, err: SessionError, joining: string | null): State | null {
  if (err.code === 'room-password-wrong' && joining !== null) return { ...state, roomPassword: { roomId: joining, wrong: true } };
  if (err.code === 'permission-denied' && err.denial?.permission === 'enter') {
    const roomId = err.denial.roomId;
    const self = selfSubject(state.identity?.publicKeyHex ?? '', state.role, state.roomId);
    if (passwordMayAdmit(state.rooms, self, roomId)) return { ...state, roomPassword: { roomId, wrong: false }, notice: null };
  }
  // Another refusal of the same join (locked out, full, gone): the prompt closes and the notice says why.
  return state.roomPassword ? { ...state, roomPassword: null } : null;
}

/** The state once this user is in `roomId`: a prompt for that room is done. */
export function enteredRoomState(state: State, roomId: string): State {
  return state.roomPassword?.roomId === roomId ? { ...state, roomPassword: null } : state;
}

/** The relay's PermsResult, when it answers the SetRoomPassword shown; anything else is ignored. */
export function passwordResultState(state: State, msg: { readonly requestId: number; readonly code: ErrorCode; readonly message: string }): State {
  const sent = state.roomPasswordSet;
  if (!sent || sent.requestId !== msg.requestId || sent.status !== 'sending') return state;
  const ok = msg.code === ErrorCode.UNSPECIFIED;
  return { ...state, roomPasswordSet: { ...sent, status: ok ? 'done' : 'failed', message: ok ? '' : String(msg.message).slice(0, MAX_MESSAGE) } };
}
