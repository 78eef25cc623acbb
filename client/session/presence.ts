/**
 * Presence reducers: who is signed in and where, as the relay reports it
 * (`authOk`'s roster, `userJoined` / `userUpdated` / `userLeft`), folded into
 * the session's `State`. Pure: the session applies the result through its
 * one choke point and does the side effects (audio room, chat follow) the
 * returned flags call for.
 */
import type { AuthOk } from '../../proto/index.ts';
import type { RoomView, State, UserView } from './state.ts';
import { roleName, toUserView } from './views.ts';

/** The state once signed in: role, own session, room, roster, no talkers. */
export function signedInState(state: State, ok: AuthOk): State {
  const rooms: RoomView[] = ok.rooms.map((r) => ({ id: r.id, name: r.name, parentId: r.parentId, position: r.position, voiceId: r.voiceId }));
  return {
    ...state,
    role: roleName(ok.role),
    admin: null,
    connection: { status: 'connected', error: null, attempt: 0 },
    selfSessionId: ok.sessionId,
    roomId: ok.roomId,
    // The synced tree (with pending edits) wins over authOk's plain list once there is one.
    rooms: state.tree.rooms.length > 0 ? state.rooms : rooms,
    users: ok.users.map(toUserView),
    talking: new Set(),
  };
}

/** What {@link withUser} changed. */
export interface UserUpsert {
  readonly state: State;
  /** The user is the local one (their room is the session's room). */
  readonly isSelf: boolean;
  /** The local user changed room. */
  readonly moved: boolean;
}

/** Adds or replaces one user; the local user's room becomes the session's room. */
export function withUser(state: State, user: UserView): UserUpsert {
  const users = state.users.some((u) => u.sessionId === user.sessionId)
    ? state.users.map((u) => (u.sessionId === user.sessionId ? user : u))
    : [...state.users, user];
  const isSelf = user.sessionId === state.selfSessionId;
  const moved = isSelf && user.roomId !== state.roomId;
  return { state: { ...state, users, roomId: isSelf ? user.roomId : state.roomId }, isSelf, moved };
}

/** Removes one user from the roster and from the talkers. */
export function withoutUser(state: State, sessionId: number): State {
  const talking = new Set(state.talking);
  talking.delete(sessionId);
  return { ...state, users: state.users.filter((u) => u.sessionId !== sessionId), talking };
}

/** The voice id of the session's current room, or null while it is not known. */
export function currentVoiceId(state: State): number | null {
  return state.rooms.find((r) => r.id === state.roomId)?.voiceId ?? null;
}
