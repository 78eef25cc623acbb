/**
 * The presence reducers on their own: what sign-in sets, how one user is
 * added, replaced or removed, and which voice id the current room has.
 */
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AuthOkSchema, PresencePageSchema, Role, UserSchema } from '../../../proto/index.ts';
import { toHex } from '../../../keys/index.ts';
import { currentVoiceId, MAX_ROSTER_USERS, signedInState, withRosterPage, withUser, withoutUser } from '../../../client/session/presence.ts';
import { SessionError } from '../../../client/session/errors.ts';
import { initialState } from '../../../client/session/state.ts';
import type { State, UserView } from '../../../client/session/state.ts';
import { emptyTreeView } from '../../../client/session/tree/index.ts';

const keyA = new Uint8Array(32).fill(0xa1);
const keyB = new Uint8Array(32).fill(0xb2);

const rooms = [
  { id: 'lobby', name: 'Lobby', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: false },
  { id: 'games', name: 'Games', parentId: 'lobby', position: 1, voiceId: 7, description: '', userLimit: 0, pending: false },
];

const authOk = create(AuthOkSchema, { sessionId: 5, role: Role.MEMBER, roomId: 'lobby' });
const ann = create(UserSchema, { sessionId: 5, publicKey: keyA, displayName: 'Ann', roomId: 'lobby', role: Role.MEMBER });
const bob = create(UserSchema, { sessionId: 9, publicKey: keyB, displayName: 'Bob', roomId: 'games', muted: true, role: Role.ADMIN });

/** Signed in with the roster in two pages, and the tree's rooms (tree-link writes those). */
function signIn(before: State = initialState): State {
  const s = signedInState({ ...before, rooms }, authOk);
  const first = withRosterPage(s, { users: [] }, create(PresencePageSchema, { users: [ann], last: false }));
  if (first.complete) throw new Error('first page completed the roster');
  const second = withRosterPage(s, first.roster, create(PresencePageSchema, { users: [bob], last: true }));
  if (!second.complete) throw new Error('last page did not complete the roster');
  return second.state;
}

/** A user as the relay would report them, in view form. */
function user(sessionId: number, roomId: string, displayName = `user ${sessionId}`): UserView {
  return { sessionId, publicKeyHex: toHex(new Uint8Array(32).fill(sessionId)), displayName, roomId, muted: false, deafened: false, role: 'member' };
}

describe('signedInState', () => {
  it('takes role, own session and room from authOk, starts an empty roster and clears admin data and talkers', () => {
    const before: State = {
      ...initialState,
      connection: { status: 'authenticating', error: new SessionError('relay-unreachable', 'earlier failure'), attempt: 3 },
      admin: { invites: [], bans: [] },
      talking: new Set([42]),
      muted: true,
      users: [user(77, 'lobby')],
    };
    const s = signedInState(before, authOk);
    expect(s.role).toBe('member');
    expect(s.admin).toBeNull();
    expect(s.connection).toEqual({ status: 'connected', error: null, attempt: 0 });
    expect(s.selfSessionId).toBe(5);
    expect(s.roomId).toBe('lobby');
    expect(s.users).toEqual([]);
    expect(s.talking.size).toBe(0);
    // Device-owned fields are left alone.
    expect(s.muted).toBe(true);
  });

  it('reads an unspecified role as guest', () => {
    const s = signedInState(initialState, create(AuthOkSchema, { ...authOk, role: Role.UNSPECIFIED }));
    expect(s.role).toBe('guest');
  });

  it('never writes the room list: the tree is its one writer', () => {
    const treeRooms = [{ id: 'lobby', name: 'Lobby (renamed, pending)', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: true }];
    const before: State = { ...initialState, tree: { ...emptyTreeView, status: 'cached' }, rooms: treeRooms };
    expect(signedInState(before, authOk).rooms).toBe(before.rooms);
    expect(signedInState(initialState, authOk).rooms).toEqual([]);
  });
});

describe('withRosterPage', () => {
  it('shows the roster only when the last page arrived, all pages in order', () => {
    const s = signedInState(initialState, authOk);
    const first = withRosterPage(s, { users: [] }, create(PresencePageSchema, { users: [ann], last: false }));
    expect(first.complete).toBe(false);
    expect(s.users).toEqual([]);
    expect(signIn().users).toEqual([
      { sessionId: 5, publicKeyHex: toHex(keyA), displayName: 'Ann', roomId: 'lobby', muted: false, deafened: false, role: 'member' },
      { sessionId: 9, publicKeyHex: toHex(keyB), displayName: 'Bob', roomId: 'games', muted: true, deafened: false, role: 'admin' },
    ]);
  });

  it('an empty last page completes an empty roster', () => {
    const step = withRosterPage(initialState, { users: [] }, create(PresencePageSchema, { users: [], last: true }));
    expect(step.complete && step.state.users).toEqual([]);
  });

  it('keeps at most MAX_ROSTER_USERS users', () => {
    const full = { users: Array.from({ length: MAX_ROSTER_USERS }, (_, i) => user(i + 1, 'lobby')) };
    const step = withRosterPage(initialState, full, create(PresencePageSchema, { users: [bob], last: true }));
    expect(step.complete && step.state.users.length).toBe(MAX_ROSTER_USERS);
  });
});

describe('withUser', () => {
  const signedIn = signIn();

  it('adds a user it does not know yet at the end, without touching the session room', () => {
    const newcomer = user(11, 'games', 'Cid');
    const r = withUser(signedIn, newcomer);
    expect(r.isSelf).toBe(false);
    expect(r.moved).toBe(false);
    expect(r.state.users.map((u) => u.sessionId)).toEqual([5, 9, 11]);
    expect(r.state.users[2]).toBe(newcomer);
    expect(r.state.roomId).toBe('lobby');
  });

  it('replaces a known user in place (no duplicate)', () => {
    const renamed = { ...signedIn.users[1]!, displayName: 'Bobby', roomId: 'lobby' };
    const r = withUser(signedIn, renamed);
    expect(r.isSelf).toBe(false);
    expect(r.moved).toBe(false);
    expect(r.state.users.map((u) => u.sessionId)).toEqual([5, 9]);
    expect(r.state.users[1]).toBe(renamed);
    expect(r.state.users[0]).toBe(signedIn.users[0]);
    // Another user moving does not move the session.
    expect(r.state.roomId).toBe('lobby');
  });

  it('moves the session when the local user changes room', () => {
    const me = { ...signedIn.users[0]!, roomId: 'games' };
    const r = withUser(signedIn, me);
    expect(r.isSelf).toBe(true);
    expect(r.moved).toBe(true);
    expect(r.state.roomId).toBe('games');
    expect(r.state.users[0]).toBe(me);
    expect(currentVoiceId(r.state)).toBe(7);
  });

  it('reports self without a move when the local user changes something else', () => {
    const me = { ...signedIn.users[0]!, muted: true };
    const r = withUser(signedIn, me);
    expect(r.isSelf).toBe(true);
    expect(r.moved).toBe(false);
    expect(r.state.roomId).toBe('lobby');
    expect(r.state.users[0]!.muted).toBe(true);
  });

  it('never takes a user as self before sign-in', () => {
    const r = withUser(initialState, user(1, 'lobby'));
    expect(r.isSelf).toBe(false);
    expect(r.moved).toBe(false);
    expect(r.state.roomId).toBeNull();
    expect(r.state.users).toHaveLength(1);
  });

  it('does not change the state it was given', () => {
    const usersBefore = signedIn.users;
    withUser(signedIn, user(11, 'games'));
    expect(signedIn.users).toBe(usersBefore);
    expect(signedIn.users).toHaveLength(2);
  });
});

describe('withoutUser', () => {
  const signedIn = signIn();

  it('removes the user from the roster and from the talkers', () => {
    const talkingBefore = new Set([9, 5]);
    const before: State = { ...signedIn, talking: talkingBefore };
    const s = withoutUser(before, 9);
    expect(s.users.map((u) => u.sessionId)).toEqual([5]);
    expect([...s.talking]).toEqual([5]);
    // The previous snapshot's set is not mutated.
    expect([...talkingBefore].sort()).toEqual([5, 9]);
  });

  it('leaves roster and talkers as they were for an unknown session', () => {
    const before: State = { ...signedIn, talking: new Set([5]) };
    const s = withoutUser(before, 1234);
    expect(s.users).toEqual(before.users);
    expect([...s.talking]).toEqual([5]);
  });
});

describe('currentVoiceId', () => {
  it('is the voice id of the session room', () => {
    expect(currentVoiceId(signIn())).toBe(1);
  });

  it('is null before sign-in (no room)', () => {
    expect(currentVoiceId(initialState)).toBeNull();
  });

  it('is null while the session room is not in the room list', () => {
    const s: State = { ...signIn(), roomId: 'deleted-room' };
    expect(currentVoiceId(s)).toBeNull();
  });
});
