import { describe, expect, it } from 'vitest';
import { Role } from '../../../proto/index.ts';
import { Presence, SEED_ROOMS } from '../../../relay/index.ts';
import { defaultAcl } from '../../../perms/index.ts';

function member(sessionId: number, roomId: string) {
  return { sessionId, publicKey: new Uint8Array(32), displayName: `u${sessionId}`, roomId, muted: false, deafened: false, role: Role.MEMBER };
}

describe('Presence', () => {
  it('moves members between rooms and reports the route of the current room', () => {
    const p = new Presence(SEED_ROOMS);
    p.add(member(1, 'lobby'));
    p.add(member(2, 'lobby'));
    expect(p.move(1, 'quiet')).toMatchObject({ ok: true, from: 'lobby', member: { roomId: 'quiet' } });
    expect(p.voiceSender(1)?.room.voiceId).toBe(2);
    expect([...p.voiceSender(2)!.room.members].map((m) => m.sessionId)).toEqual([2]);
    expect(p.move(1, 'attic')).toEqual({ ok: false, reason: 'unknown-room' });
    expect(p.move(9, 'lobby')).toEqual({ ok: false, reason: 'unknown-session' });
    expect(p.remove(1)?.roomId).toBe('quiet');
    expect(p.voiceSender(1)).toBeUndefined();
  });

  it('refuses a move into a full room', () => {
    const p = new Presence([...SEED_ROOMS, { id: 'booth', name: 'Booth', parent: '', position: 2, description: '', userLimit: 1, voiceId: 3, acl: defaultAcl(true) }]);
    p.add(member(1, 'booth'));
    p.add(member(2, 'lobby'));
    expect(p.move(2, 'booth')).toEqual({ ok: false, reason: 'room-full' });
    expect(p.move(1, 'booth')).toMatchObject({ ok: true });
  });

  it('rejects a room list with duplicate ids or voice ids', () => {
    expect(() => new Presence([SEED_ROOMS[0]!, SEED_ROOMS[0]!])).toThrow(TypeError);
    expect(() => new Presence([SEED_ROOMS[0]!, { ...SEED_ROOMS[1]!, voiceId: SEED_ROOMS[0]!.voiceId }])).toThrow(TypeError);
  });

  it('returns snapshots that later changes do not alter', () => {
    const p = new Presence(SEED_ROOMS);
    const before = p.add(member(1, 'lobby'));
    p.setSelfState(1, { muted: true, deafened: false });
    expect(before.muted).toBe(false);
    expect(p.member(1)?.muted).toBe(true);
  });
});
