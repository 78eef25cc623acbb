/**
 * Hidden sets (relay/visibility/visible-set.ts): a `see` deny hides the room
 * and its subtree, never the root, never from admins; subjects the rules do
 * not tell apart share one signature (so the relay computes one hidden set
 * for all of them), and subjects they do tell apart do not.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_ID } from '../../../crdt/index.ts';
import type { RoomRecord, Rooms } from '../../../crdt/index.ts';
import { bit, defaultAcl } from '../../../perms/index.ts';
import type { Rule, Subject } from '../../../perms/index.ts';
import { factsOf, hiddenKey, hiddenRooms, permStateOf, signatureOf } from '../../../relay/visibility/visible-set.ts';

const rule = (over: Partial<Rule>): Rule => ({ id: 'r1', label: 'x', who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: bit('see'), here: true, subs: true, ...over });

function tree(rulesOn: Record<string, Rule[]>): Rooms {
  const rooms: Rooms = new Map();
  const add = (id: string, parent: string): void => {
    const acl = { ...defaultAcl(parent === ''), rules: rulesOn[id] ?? [] };
    const r: RoomRecord = { id, name: id, parent, position: rooms.size, description: '', userLimit: 0, voiceId: rooms.size + 1, acl };
    rooms.set(id, r);
  };
  add(ROOT_ID, '');
  add('lobby', ROOT_ID);
  add('staff', ROOT_ID);
  add('staff-inner', 'staff');
  return rooms;
}

const guest = (keyHex = 'a'.repeat(64), roomId: string | null = 'lobby'): Subject => ({ keyHex, role: 'guest', roomId });

describe('hidden sets', () => {
  it('a see deny hides the room and its subtree from guests, not from members or admins', () => {
    const state = permStateOf(tree({ staff: [rule({})] }));
    expect([...hiddenRooms(state, guest())].sort()).toEqual(['staff', 'staff-inner']);
    expect(hiddenRooms(state, { ...guest(), role: 'member' }).size).toBe(0);
    expect(hiddenRooms(state, { ...guest(), role: 'admin' }).size).toBe(0);
  });

  it('never hides the root, even when the root denies see', () => {
    const state = permStateOf(tree({ [ROOT_ID]: [rule({ who: { kind: 'everyone' } })] }));
    const hidden = hiddenRooms(state, guest());
    expect(hidden.has(ROOT_ID)).toBe(false);
    expect([...hidden].sort()).toEqual(['lobby', 'staff', 'staff-inner']);
  });

  it('nothing hidden anywhere without a see deny: the class everything, computed without evaluating', () => {
    const state = permStateOf(tree({ staff: [rule({ deny: bit('speak') })] }));
    expect(factsOf(state).hidesAnything).toBe(false);
    expect(hiddenKey(hiddenRooms(state, guest()))).toBe('');
  });

  it('signatures: one per role unless a rule names the key or depends on where the subject is', () => {
    const plain = factsOf(permStateOf(tree({ staff: [rule({})] })));
    expect(signatureOf(guest('a'.repeat(64)), plain)).toBe(signatureOf(guest('b'.repeat(64), 'staff'), plain));
    const named = factsOf(permStateOf(tree({ staff: [rule({ who: { kind: 'key', keyHex: 'a'.repeat(64) } })] })));
    expect(signatureOf(guest('a'.repeat(64)), named)).not.toBe(signatureOf(guest('b'.repeat(64)), named));
    expect(signatureOf(guest('b'.repeat(64)), named)).toBe(signatureOf(guest('c'.repeat(64)), named));
    const where = factsOf(permStateOf(tree({ staff: [rule({ where: 'outside' })] })));
    expect(signatureOf(guest('a'.repeat(64), 'lobby'), where)).not.toBe(signatureOf(guest('a'.repeat(64), 'staff'), where));
  });
});
