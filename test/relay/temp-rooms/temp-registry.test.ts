/**
 * The temporary-room registry, pure: limits, the parent a temporary id
 * resolves to, and what its ACL gives the maker and everyone else when
 * evaluated under a parent's rules (perms/evaluate).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { defaultAcl, has, permissionsOf, setOf } from '../../../perms/index.ts';
import type { PermRoom, Rule } from '../../../perms/index.ts';
import { TempRegistry } from '../../../relay/temp-rooms/index.ts';

function registry(maxRooms = 3, maxPerMaker = 2): TempRegistry {
  let n = 0;
  return new TempRegistry({ maxRooms, maxPerMaker }, () => `tmp-${n++}`);
}

describe('TempRegistry', () => {
  it('refuses past the per-maker and the relay-wide limit, and frees a place when a room goes', () => {
    const r = registry();
    expect(r.create('a', 'lobby', 'aa').ok).toBe(true);
    expect(r.create('b', 'lobby', 'aa').ok).toBe(true);
    expect(r.create('c', 'lobby', 'aa')).toEqual({ ok: false, reason: 'limit' });
    const third = r.create('d', 'lobby', 'bb');
    expect(third.ok).toBe(true);
    expect(r.create('e', 'lobby', 'cc')).toEqual({ ok: false, reason: 'limit' });
    expect(r.remove(third.ok ? third.room.id : '')).toBe(true);
    expect(r.create('e', 'lobby', 'cc').ok).toBe(true);
  });

  it('resolves a temporary id to its parent and any other id to itself; voice ids never repeat (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('lobby', 'quiet', 'root'), { maxLength: 20 }), (parents) => {
        const r = registry(100, 100);
        const voices = new Set<number>();
        for (const p of parents) {
          const made = r.create('x', p, 'aa');
          if (!made.ok) return false;
          expect(r.resolve(made.room.id)).toBe(p);
          expect(voices.has(made.room.voiceId)).toBe(false);
          voices.add(made.room.voiceId);
        }
        expect(r.resolve('lobby')).toBe('lobby');
        return true;
      }),
    );
  });

  it("the maker's admin group gets edit-room, move-others and mute-others but no sub-rooms; others inherit the parent's rules", () => {
    const r = registry();
    const made = r.create('Huddle', 'lobby', 'aa');
    if (!made.ok) throw new Error('not made');
    const noSpeak: Rule = { id: 'noSpeakG', label: 'guests listen', who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: setOf('speak'), here: true, subs: true };
    const rooms = new Map<string, PermRoom>([
      ['root', { id: 'root', parent: '', acl: defaultAcl(true) }],
      ['lobby', { id: 'lobby', parent: 'root', acl: { inherit: true, rules: [noSpeak], groups: [] } }],
      [made.room.id, r.record(made.room)],
    ]);
    const maker = permissionsOf({ rooms }, { keyHex: 'aa', role: 'guest', roomId: null }, made.room.id);
    expect(has(maker, 'edit-room') && has(maker, 'move-others') && has(maker, 'mute-others') && has(maker, 'edit-perms')).toBe(true);
    expect(has(maker, 'make-room') || has(maker, 'make-temp-room') || has(maker, 'kick')).toBe(false);
    const guest = permissionsOf({ rooms }, { keyHex: 'bb', role: 'guest', roomId: null }, made.room.id);
    expect(has(guest, 'enter')).toBe(true);
    expect(has(guest, 'speak')).toBe(false);
    expect(has(guest, 'edit-room')).toBe(false);
  });
});
