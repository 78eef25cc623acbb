import { describe, expect, it } from 'vitest';
import { membersOnly, passwordRoom } from '../../../perms/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { SessionError } from '../../../client/session/errors.ts';
import { initialState } from '../../../client/session/state.ts';
import type { RoomView, State } from '../../../client/session/state.ts';
import { enteredRoomState, joinRefusedState, passwordMayAdmit, passwordResultState } from '../../../client/session/perms/room-password.ts';

const KEY = 'ab'.repeat(32);
const room = (id: string, parentId = '', acl?: RoomView['acl']): RoomView => ({ id, name: id, parentId, position: 0, voiceId: 1, description: '', userLimit: 0, pending: false, ...(acl ? { acl } : {}) });
const rooms = [room('root'), room('vault', 'root', passwordRoom()), room('inner', 'vault'), room('club', 'root', membersOnly())];
const member = { keyHex: KEY, role: 'member', roomId: 'root' } as const;
const connected: State = { ...initialState, identity: { publicKeyHex: KEY, fingerprint: '' }, role: 'member', roomId: 'root', rooms, connection: { status: 'connected', error: null, attempt: 0 } };
const denied = (roomId: string): SessionError => new SessionError('permission-denied', 'no', { denial: { permission: 'enter', roomId, ruleId: 'preset-locked' } });

describe('passwordMayAdmit', () => {
  it('is true for a room whose password group would let this user enter', () => {
    expect(passwordMayAdmit(rooms, member, 'vault')).toBe(true);
  });

  it('is false where no password group is on the path, or the user may enter already', () => {
    expect(passwordMayAdmit(rooms, { ...member, role: 'guest' }, 'club')).toBe(false);
    expect(passwordMayAdmit(rooms, member, 'root')).toBe(false);
    expect(passwordMayAdmit(rooms, { ...member, passwordGroups: new Set(['vault/password']) }, 'vault')).toBe(false);
  });

  it('is false for an unknown room', () => {
    expect(passwordMayAdmit(rooms, member, 'nowhere')).toBe(false);
  });
});

describe('joinRefusedState', () => {
  it('opens the prompt (no notice) when a refused enter could be unlocked by a password', () => {
    const next = joinRefusedState(connected, denied('vault'), 'vault');
    expect(next?.roomPassword).toEqual({ roomId: 'vault', wrong: false });
    expect(next?.notice).toBeNull();
  });

  it('leaves other refusals to the notice (null)', () => {
    const guest = { ...connected, role: 'guest' as const };
    expect(joinRefusedState(guest, denied('club'), 'club')).toBeNull();
  });

  it('marks the prompt wrong on PASSWORD_WRONG, and closes it on another refusal of the join', () => {
    const open = joinRefusedState(connected, denied('vault'), 'vault')!;
    const wrong = joinRefusedState(open, new SessionError('room-password-wrong', 'wrong room password'), 'vault');
    expect(wrong?.roomPassword).toEqual({ roomId: 'vault', wrong: true });
    const locked = joinRefusedState(wrong!, new SessionError('locked-out', 'later', { untilMs: 5 }), 'vault');
    expect(locked?.roomPassword).toBeNull();
  });

  it('closes the prompt once the user is in that room', () => {
    const open = joinRefusedState(connected, denied('vault'), 'vault')!;
    expect(enteredRoomState(open, 'root').roomPassword).not.toBeNull();
    expect(enteredRoomState(open, 'vault').roomPassword).toBeNull();
  });
});

describe('passwordResultState', () => {
  const sending: State = { ...connected, roomPasswordSet: { requestId: 3, roomId: 'vault', group: 'password', status: 'sending', message: '', cleared: false } };

  it('records the answer to the request shown, and ignores others', () => {
    expect(passwordResultState(sending, { requestId: 2, code: ErrorCode.UNSPECIFIED, message: '' })).toBe(sending);
    expect(passwordResultState(sending, { requestId: 3, code: ErrorCode.UNSPECIFIED, message: '' }).roomPasswordSet?.status).toBe('done');
    const failed = passwordResultState(sending, { requestId: 3, code: ErrorCode.PERMISSION_DENIED, message: 'x'.repeat(1000) }).roomPasswordSet!;
    expect(failed.status).toBe('failed');
    expect(failed.message.length).toBe(200);
  });
});
