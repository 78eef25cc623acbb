/** Worked examples of evaluate: the defaults equal today's behaviour, and the docs/PERMISSIONS.md examples give what the doc says. */
import { describe, expect, it } from 'vitest';
import { ALL, decidingStep, defaultAcl, DEFAULT_BASE, evaluate, has, listOf, setOf } from '../../perms/index.ts';
import type { PermRoom, PermState, Rule, RoomAcl, Subject } from '../../perms/index.ts';

const room = (id: string, parent: string, acl: RoomAcl = defaultAcl(parent === '')): PermRoom => ({ id, parent, acl });
const stateOf = (...rooms: PermRoom[]): PermState => ({ rooms: new Map(rooms.map((r) => [r.id, r])) });
const rule = (id: string, r: Partial<Rule> & Pick<Rule, 'who'>): Rule => ({ id, label: id, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...r });
const guest: Subject = { keyHex: 'ee', role: 'guest', roomId: null };
const member: Subject = { keyHex: 'mm', role: 'member', roomId: null };
const admin: Subject = { keyHex: 'ad', role: 'admin', roomId: null };

describe('defaults', () => {
  const s = stateOf(room('root', ''), room('lobby', 'root'), room('deep', 'lobby'));

  it('reproduce today: everyone sees, enters, speaks, whispers, texts and shares files, and nothing else', () => {
    for (const who of [guest, member]) {
      for (const id of ['root', 'lobby', 'deep']) {
        expect(listOf(evaluate(s, who, id).permissions)).toEqual(['see', 'enter', 'speak', 'whisper', 'text', 'share-files']);
      }
    }
    // today room-tree ops and deleting others' messages need admin
    expect(has(evaluate(s, member, 'lobby').permissions, 'make-room')).toBe(false);
    expect(has(evaluate(s, member, 'lobby').permissions, 'delete-messages')).toBe(false);
    expect(evaluate(s, admin, 'deep').permissions).toBe(ALL);
  });

  it('name the default as the deciding step, inherited from the root', () => {
    const e = evaluate(s, guest, 'deep');
    expect(decidingStep(e, 'speak')).toMatchObject({ roomId: 'root', ruleId: null, inherited: true, set: DEFAULT_BASE });
    expect(decidingStep(e, 'edit-room')).toMatchObject({ roomId: 'root', ruleId: null, set: DEFAULT_BASE });
  });

  it('give the root nothing to inherit and every other room inherit', () => {
    expect(defaultAcl(true)).toEqual({ inherit: false, rules: [], groups: [] });
    expect(defaultAcl(false)).toEqual({ inherit: true, rules: [], groups: [] });
  });
});

describe('the seed scenario', () => {
  const officer: Subject = { keyHex: 'of', role: 'member', roomId: null };
  const pilot: Subject = { keyHex: 'pi', role: 'member', roomId: null };
  const s = stateOf(
    room('root', '', {
      inherit: false,
      groups: [
        { name: 'officers', inherit: true, inheritable: true, add: ['of'], remove: [] },
        { name: 'pilots', inherit: true, inheritable: true, add: ['pi'], remove: [] },
      ],
      rules: [],
    }),
    room('command', 'root', { inherit: true, groups: [], rules: [rule('c1', { who: { kind: 'everyone' }, deny: setOf('see') }), rule('c2', { who: { kind: 'group', name: 'officers' }, allow: setOf('see') })] }),
    room('flight', 'root', { inherit: true, groups: [], rules: [rule('f1', { who: { kind: 'everyone' }, deny: setOf('speak') }), rule('f2', { who: { kind: 'group', name: 'pilots' }, allow: setOf('speak') })] }),
    room('ground', 'root', { inherit: true, groups: [], rules: [rule('g1', { who: { kind: 'guests' }, deny: setOf('enter') })] }),
  );

  it('hides Command from all but officers', () => {
    expect(has(evaluate(s, officer, 'command').permissions, 'enter')).toBe(true);
    const e = evaluate(s, pilot, 'command');
    expect(e.permissions).toBe(0);
    expect(decidingStep(e, 'enter')).toMatchObject({ roomId: 'command', ruleId: 'c1', why: 'hidden: may not see command, so nothing in or below it' });
  });

  it('lets pilots speak in Flight and everyone else listen', () => {
    expect(has(evaluate(s, pilot, 'flight').permissions, 'speak')).toBe(true);
    for (const who of [officer, member, guest]) {
      const e = evaluate(s, who, 'flight');
      expect(has(e.permissions, 'enter') && !has(e.permissions, 'speak')).toBe(true);
      expect(decidingStep(e, 'speak')).toMatchObject({ roomId: 'flight', ruleId: 'f1', matched: true, inherited: false });
    }
  });

  it('keeps guests out of Ground, members in', () => {
    expect(has(evaluate(s, member, 'ground').permissions, 'enter')).toBe(true);
    expect(decidingStep(evaluate(s, guest, 'ground'), 'enter')).toMatchObject({ ruleId: 'g1' });
  });
});

describe('precedence inside one room', () => {
  it('is by tier, not list order: an identity rule beats a group rule beats an everyone rule, whatever the order', () => {
    const rules = [
      rule('key', { who: { kind: 'key', keyHex: 'mm' }, allow: setOf('speak') }),
      rule('grp', { who: { kind: 'group', name: 'g' }, deny: setOf('speak') }),
      rule('all', { who: { kind: 'everyone' }, allow: setOf('speak') }),
    ];
    const acl = { inherit: true, groups: [{ name: 'g', inherit: false, inheritable: true, add: ['mm', 'xx'], remove: [] }], rules };
    for (const order of [rules, [...rules].reverse()]) {
      const s = stateOf(room('root', ''), room('a', 'root', { ...acl, rules: order }));
      expect(has(evaluate(s, member, 'a').permissions, 'speak')).toBe(true);
      expect(has(evaluate(s, { ...member, keyHex: 'xx' }, 'a').permissions, 'speak')).toBe(false);
    }
  });

  it('inside one tier a deny beats an allow', () => {
    const s = stateOf(room('root', ''), room('a', 'root', { inherit: true, groups: [], rules: [rule('d', { who: { kind: 'members' }, deny: setOf('text') }), rule('a', { who: { kind: 'members' }, allow: setOf('text') })] }));
    expect(decidingStep(evaluate(s, member, 'a'), 'text')).toMatchObject({ ruleId: 'd', cleared: setOf('text') });
  });

  it('applies here-only and subs-only rules where they say, and Where conditions by where the subject is', () => {
    const s = stateOf(
      room('root', ''),
      room('a', 'root', { inherit: true, groups: [], rules: [rule('sub', { who: { kind: 'everyone' }, deny: setOf('text'), here: false }), rule('in', { who: { kind: 'everyone' }, where: 'in-room', allow: setOf('mute-others'), subs: false })] }),
      room('b', 'a'),
    );
    expect(has(evaluate(s, member, 'a').permissions, 'text')).toBe(true);
    expect(has(evaluate(s, member, 'b').permissions, 'text')).toBe(false);
    expect(has(evaluate(s, member, 'a').permissions, 'mute-others')).toBe(false);
    expect(has(evaluate(s, { ...member, roomId: 'a' }, 'a').permissions, 'mute-others')).toBe(true);
  });

  it('takes server-wide permissions from root rules only', () => {
    const s = stateOf(
      room('root', '', { inherit: false, groups: [], rules: [rule('mods', { who: { kind: 'key', keyHex: 'mm' }, allow: setOf('kick') })] }),
      room('a', 'root', { inherit: true, groups: [], rules: [rule('x', { who: { kind: 'everyone' }, allow: setOf('ban'), deny: setOf('kick') })] }),
    );
    expect(listOf(evaluate(s, member, 'a').permissions & setOf('kick', 'ban'))).toEqual(['kick']);
    expect(has(evaluate(s, guest, 'a').permissions, 'ban')).toBe(false);
  });

  it('grants nothing in an unknown room or a broken chain', () => {
    const s = stateOf(room('root', ''), room('orphan', 'gone'));
    expect(evaluate(s, member, 'nope').permissions).toBe(0);
    expect(evaluate(s, member, 'orphan').permissions).toBe(0);
  });
});
