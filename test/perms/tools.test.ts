/** lint, whatIf and the presets (perms/lint.ts, what-if.ts, presets.ts): each finds, counts or grants what its doc says. */
import { describe, expect, it } from 'vitest';
import { aclJson, adminsOnly, briefingRoom, defaultAcl, evaluate, has, lint, membersOnly, openRoom, parseAcl, passwordRoom, PRESETS, setOf, whatIf } from '../../perms/index.ts';
import type { PermRoom, PermState, RoomAcl, Rule, Subject } from '../../perms/index.ts';

const K = (c: string) => c.repeat(64);
const room = (id: string, parent: string, acl: RoomAcl = defaultAcl(parent === '')): PermRoom => ({ id, parent, acl });
const stateOf = (...rooms: PermRoom[]): PermState => ({ rooms: new Map(rooms.map((r) => [r.id, r])) });
const rule = (id: string, r: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'everyone' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...r });
const acl = (rules: Rule[], groups: RoomAcl['groups'] = []): RoomAcl => ({ inherit: true, rules, groups });
const member = (c: string, roomId: string | null = null): Subject => ({ keyHex: K(c), role: 'member', roomId });
const guest = (c: string): Subject => ({ keyHex: K(c), role: 'guest', roomId: null });
const kinds = (s: PermState, known: string[] = []) => lint(s, new Set(known)).map((i) => `${i.kind}:${i.roomId}:${i.ruleId}`);

describe('lint', () => {
  it('is silent on the defaults', () => {
    expect(kinds(stateOf(room('root', ''), room('a', 'root')))).toEqual([]);
  });

  it('finds rules that never apply, change nothing, or set server-wide permissions off the root', () => {
    const s = stateOf(room('root', ''), room('a', 'root', acl([
      rule('nowhere1', { here: false, subs: false, allow: setOf('text') }),
      rule('empty001', {}),
      rule('admins01', { who: { kind: 'admins' }, allow: setOf('speak') }),
      rule('kick0001', { allow: setOf('kick') }),
    ])));
    expect(kinds(s)).toEqual(['never-applies:a:nowhere1', 'no-effect:a:empty001', 'no-effect:a:admins01', 'ignored-permissions:a:kick0001']);
  });

  it('finds a rule fully overridden by another of the same who, and reports only the later of two duplicates', () => {
    const s = stateOf(room('root', ''), room('a', 'root', acl([
      rule('allowtx1', { who: { kind: 'members' }, allow: setOf('text'), subs: false }),
      rule('denytx01', { who: { kind: 'members' }, deny: setOf('text') }),
      rule('dup00001', { who: { kind: 'guests' }, deny: setOf('speak') }),
      rule('dup00002', { who: { kind: 'guests' }, deny: setOf('speak') }),
    ])));
    expect(kinds(s)).toEqual(['overridden:a:allowtx1', 'overridden:a:dup00002']);
  });

  it('finds unknown identities and groups nobody defines above or below', () => {
    const s = stateOf(
      room('root', '', { inherit: false, rules: [rule('grpabove', { who: { kind: 'group', name: 'pilots' }, allow: setOf('speak') })], groups: [] }),
      room('a', 'root', acl([rule('nogroup1', { who: { kind: 'group', name: 'ghosts' }, allow: setOf('speak') }), rule('stranger', { who: { kind: 'key', keyHex: K('9') }, allow: setOf('speak') })], [{ name: 'pilots', inherit: true, inheritable: true, add: [K('1'), K('2')], remove: [] }])),
    );
    expect(kinds(s, [K('1')])).toEqual(['unknown-group:a:nogroup1', 'unknown-key:a:stranger', 'unknown-key:a:null']);
  });

  it('warns about hiding the root from everyone, and about an editor locking themselves out', () => {
    const s = stateOf(room('root', '', { inherit: false, groups: [], rules: [rule('hideall1', { deny: setOf('see') })] }));
    expect(kinds(s)).toEqual(['hides-root:root:hideall1']);
    const editor = member('e');
    const open = stateOf(room('root', ''), room('a', 'root', acl([rule('editors1', { who: { kind: 'key', keyHex: editor.keyHex! }, allow: setOf('edit-perms') })])));
    const closed = stateOf(room('root', ''), room('a', 'root', acl([])));
    expect(lint(open, new Set([editor.keyHex!]), { subject: editor, roomId: 'a' })).toEqual([]);
    expect(lint(closed, new Set(), { subject: editor, roomId: 'a' }).map((i) => i.kind)).toEqual(['self-lockout']);
    expect(lint(closed, new Set(), { subject: { ...editor, role: 'admin' }, roomId: 'a' })).toEqual([]);
  });
});

describe('whatIf', () => {
  const tree = (rules: Rule[]) => stateOf(room('root', ''), room('a', 'root', acl(rules)), room('b', 'a'), room('c', 'root'));
  const members = Array.from({ length: 14 }, (_, i) => member(i.toString(16)));

  it('counts who loses which permission in how many rooms, in one line', () => {
    const r = whatIf(tree([]), tree([rule('quiet001', { who: { kind: 'members' }, deny: setOf('speak') })]), members);
    expect(r.summary).toBe('removes speak from 14 members in 2 rooms');
    expect(r.changes).toHaveLength(28);
    expect(r.changes[0]).toEqual({ subject: 0, roomId: 'a', gained: 0, lost: setOf('speak') });
  });

  it('reports gains and losses together, names mixed subjects "people", and says when nothing changes', () => {
    const subjects = [member('1'), guest('2')];
    const r = whatIf(tree([]), tree([rule('swap0001', { deny: setOf('text'), allow: setOf('make-room'), subs: false })]), subjects);
    expect(r.summary).toBe('removes text from 2 people in 1 room; gives make-room to 2 people in 1 room');
    expect(whatIf(tree([]), tree([]), subjects).summary).toBe("changes nobody's permissions");
    expect(whatIf(tree([]), tree([rule('swap0001', { deny: setOf('text') })]), subjects, ['c']).changes).toEqual([]);
  });
});

describe('presets', () => {
  const speaker = member('5');
  const inRoom = (preset: RoomAcl) => stateOf(room('root', ''), room('p', 'root', preset), room('below', 'p'));
  const can = (s: PermState, who: Subject, p: Parameters<typeof has>[1], id = 'p') => has(evaluate(s, who, id).permissions, p);

  it('open room: the defaults whatever the parent denies', () => {
    const s = stateOf(room('root', '', { inherit: false, groups: [], rules: [rule('nospeak1', { deny: setOf('speak') })] }), room('p', 'root', openRoom()));
    expect(can(s, guest('1'), 'speak')).toBe(true);
    expect(can(s, guest('1'), 'speak', 'root')).toBe(false);
  });

  it('members only: guests see it but cannot enter, members can', () => {
    const s = inRoom(membersOnly());
    expect(can(s, guest('1'), 'see') && !can(s, guest('1'), 'enter') && !can(s, guest('1'), 'enter', 'below')).toBe(true);
    expect(can(s, member('1'), 'enter')).toBe(true);
  });

  it('admins only: hidden from members with its sub-rooms, open to admins', () => {
    const s = inRoom(adminsOnly());
    expect(evaluate(s, member('1'), 'below').permissions).toBe(0);
    expect(can(s, { ...member('1'), role: 'admin' }, 'enter', 'below')).toBe(true);
  });

  it('briefing room: listed speakers speak, everyone else enters and listens', () => {
    const s = inRoom(briefingRoom([speaker.keyHex!]));
    expect(can(s, speaker, 'speak')).toBe(true);
    expect(can(s, member('1'), 'enter') && !can(s, member('1'), 'speak')).toBe(true);
  });

  it('password room: only holders of the room token enter', () => {
    const s = inRoom(passwordRoom());
    expect(can(s, member('1'), 'see') && !can(s, member('1'), 'enter')).toBe(true);
    expect(can(s, { ...guest('1'), passwordGroups: new Set(['p/password']) }, 'enter')).toBe(true);
    expect(PRESETS.password.make()).toEqual(passwordRoom());
  });

  it('every preset is valid stored JSON and lints clean', () => {
    for (const preset of [openRoom(), membersOnly(), adminsOnly(), briefingRoom([speaker.keyHex!]), passwordRoom()]) {
      expect(parseAcl(JSON.parse(JSON.stringify(aclJson(preset))))).toEqual({ ok: true, value: preset });
      expect(lint(inRoom(preset), new Set([speaker.keyHex!]))).toEqual([]);
    }
  });
});
