/**
 * Presence reducers: who is signed in and where, as the relay reports it
 * (`authOk`'s roster, `userJoined` / `userUpdated` / `userLeft`), folded into
 * the session's `State`. Pure: the session applies the result through its
 * one choke point and does the side effects (audio room, chat follow) the
 * returned flags call for.
 */
import type { AuthOk, PresencePage } from '../../proto/index.ts';
import type { State, UserView } from './state.ts';
import { roleName, toUserView } from './views.ts';

/**
 * Most users a roster being received may hold; pages past it are dropped
 * (a relay holds far fewer sessions; this only stops a broken relay from
 * growing the page without end).
 */
export const MAX_ROSTER_USERS = 100_000;

/**
 * The state once signed in: role, own session, room, no talkers. The roster
 * follows in PresencePage frames (see {@link withRosterPage}); the room list
 * comes from the room tree only (tree-link.ts), never from here.
 */
export function signedInState(state: State, ok: AuthOk): State {
  return {
    ...state,
    role: roleName(ok.role),
    admin: null,
    connection: { status: 'connected', error: null, attempt: 0 },
    selfSessionId: ok.sessionId,
    roomId: ok.roomId,
    // The relay sends its list right after sign-in; temporary rooms of a previous connection may be gone.
    tempRooms: [],
    users: [],
    talking: new Set(),
  };
}

/** A roster being received: the users of the pages so far. */
export interface RosterInProgress {
  readonly users: readonly UserView[];
}

/** What {@link withRosterPage} made of one page. */
export type RosterStep =
  | { readonly complete: false; readonly roster: RosterInProgress }
  | { readonly complete: true; readonly state: State };

/**
 * Adds one PresencePage to the roster being received; the last page puts the
 * whole roster into the state at once (the UI never shows half a roster).
 * The relay sends every page before any later presence event, so nothing
 * needs merging here.
 */
export function withRosterPage(state: State, roster: RosterInProgress, page: PresencePage): RosterStep {
  const room = MAX_ROSTER_USERS - roster.users.length;
  const users = room > 0 ? [...roster.users, ...page.users.slice(0, room).map(toUserView)] : roster.users;
  if (!page.last) return { complete: false, roster: { users } };
  return { complete: true, state: { ...state, users } };
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
  return (state.rooms.find((r) => r.id === state.roomId) ?? state.tempRooms.find((r) => r.id === state.roomId))?.voiceId ?? null;
}
