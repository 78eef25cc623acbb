/**
 * ACL ops over the tree and the evaluate-based authorisation: what each op
 * needs (docs/PERMISSIONS.md "What each op needs"), that refusals name the
 * permission, room and deciding rule, that ACL ops validate and apply rule by
 * rule, and that the tree document stores an edited ACL and leaves a default
 * one out.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyOp, readRooms, ROOT_ID, validateOp, writeRooms } from '../../crdt/index.ts';
import type { Actor, OpIntent, Rooms } from '../../crdt/index.ts';
import { defaultAcl, encodeGroup, encodeRule, MAX_RULES_PER_ROOM, setOf } from '../../perms/index.ts';
import type { Rule } from '../../perms/index.ts';

const ctx = { occupancy: () => 0 };
const K = (c: string) => c.repeat(64);
const admin: Actor = { keyHex: K('a'), role: 'admin' };
const member: Actor = { keyHex: K('b'), role: 'member' };
const guest: Actor = { keyHex: K('c'), role: 'guest' };

function tree(): Rooms {
  const rooms: Rooms = new Map();
  rooms.set(ROOT_ID, { id: ROOT_ID, name: 'Root', parent: '', position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(true) });
  rooms.set('ops', { id: 'ops', name: 'Ops', parent: ROOT_ID, position: 0, description: '', userLimit: 0, voiceId: 2, acl: defaultAcl(false) });
  rooms.set('team', { id: 'team', name: 'Team', parent: 'ops', position: 0, description: '', userLimit: 0, voiceId: 3, acl: defaultAcl(false) });
  return rooms;
}
const rule = (id: string, r: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'everyone' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...r });
const put = (roomId: string, r: Rule): OpIntent => ({ kind: 'acl.rule.put', args: { roomId, rule: encodeRule(r) } });
function run(rooms: Rooms, actor: Actor, op: OpIntent) {
  const v = validateOp(rooms, actor, op, ctx);
  if (!v) applyOp(rooms, op, () => 9);
  return v;
}

describe('authorisation by evaluate', () => {
  it('keeps today at the defaults: members and guests may not edit the tree or permissions, everyone may join, admins may do all', () => {
    const ops: OpIntent[] = [
      { kind: 'room.create', args: { roomId: 'x', parentId: 'ops', name: 'X', index: 0, description: '', userLimit: 0 } },
      { kind: 'room.rename', args: { roomId: 'ops', name: 'Y' } },
      { kind: 'room.delete', args: { roomId: 'team' } },
      put('ops', rule('abcdefgh', { allow: setOf('speak') })),
    ];
    for (const actor of [member, guest]) for (const op of ops) expect(validateOp(tree(), actor, op, ctx)?.code).toBe('forbidden');
    for (const actor of [member, guest]) expect(validateOp(tree(), actor, { kind: 'member.join', args: { roomId: 'team' } }, ctx)).toBeNull();
    for (const op of ops) expect(validateOp(tree(), admin, op, ctx)).toBeNull();
  });

  it('refusals name the permission, the room and the deciding rule', () => {
    const rooms = tree();
    expect(run(rooms, admin, put('ops', rule('nospeak1', { who: { kind: 'guests' }, deny: setOf('enter') })))).toBeNull();
    expect(validateOp(rooms, guest, { kind: 'member.join', args: { roomId: 'team' } }, ctx)).toEqual({
      code: 'forbidden',
      reason: 'member.join needs enter in team (rule nospeak1 on ops)',
      denial: { permission: 'enter', roomId: 'team', ruleId: 'nospeak1' },
    });
    expect(validateOp(rooms, member, { kind: 'room.rename', args: { roomId: 'ops', name: 'Z' } }, ctx)?.denial).toEqual({ permission: 'edit-room', roomId: 'ops', ruleId: null });
    // an unknown room is still unknown-room, not forbidden
    expect(validateOp(rooms, guest, { kind: 'member.join', args: { roomId: 'gone' } }, ctx)?.code).toBe('unknown-room');
  });

  it('grants exactly what a rule allows, where it allows it', () => {
    const rooms = tree();
    run(rooms, admin, put('ops', rule('leads001', { who: { kind: 'key', keyHex: member.keyHex }, allow: setOf('make-room', 'edit-room', 'edit-perms') })));
    // make-room on the parent
    expect(run(rooms, member, { kind: 'room.create', args: { roomId: 'sub', parentId: 'team', name: 'Sub', index: 0, description: '', userLimit: 0 } })).toBeNull();
    expect(validateOp(rooms, member, { kind: 'room.create', args: { roomId: 'top', parentId: ROOT_ID, name: 'Top', index: 0, description: '', userLimit: 0 } }, ctx)?.denial).toMatchObject({ permission: 'make-room', roomId: ROOT_ID });
    // move: edit-room on the room and make-room on the new parent
    expect(run(rooms, member, { kind: 'room.move', args: { roomId: 'sub', parentId: 'ops', index: 0 } })).toBeNull();
    expect(validateOp(rooms, member, { kind: 'room.move', args: { roomId: 'sub', parentId: ROOT_ID, index: 0 } }, ctx)?.denial).toMatchObject({ permission: 'make-room', roomId: ROOT_ID });
    // delete: edit-room on the parent — the sub-room yes, the room the rule is on no
    expect(run(rooms, member, { kind: 'room.delete', args: { roomId: 'sub' } })).toBeNull();
    expect(validateOp(rooms, member, { kind: 'room.delete', args: { roomId: 'ops' } }, ctx)?.denial).toMatchObject({ permission: 'edit-room', roomId: ROOT_ID });
    // edit-perms on that room, evaluated at the state the op arrives at
    expect(run(rooms, member, put('team', rule('teamrule', { who: { kind: 'guests' }, deny: setOf('speak') })))).toBeNull();
    expect(validateOp(rooms, member, put(ROOT_ID, rule('rootrule', {})), ctx)?.denial).toMatchObject({ permission: 'edit-perms', roomId: ROOT_ID });
    // the member takes edit-perms away from themselves on team: the next edit there is refused
    expect(run(rooms, member, put('team', rule('selfdeny', { who: { kind: 'key', keyHex: member.keyHex }, deny: setOf('edit-perms'), subs: false })))).toBeNull();
    expect(validateOp(rooms, member, { kind: 'acl.rule.delete', args: { roomId: 'team', ruleId: 'selfdeny' } }, ctx)?.denial).toEqual({ permission: 'edit-perms', roomId: 'team', ruleId: 'selfdeny' });
    // an admin can always undo it
    expect(run(rooms, admin, { kind: 'acl.rule.delete', args: { roomId: 'team', ruleId: 'selfdeny' } })).toBeNull();
  });
});

describe('ACL ops', () => {
  it('put adds or replaces by id, delete removes, groups likewise, inherit switches', () => {
    const rooms = tree();
    const r1 = rule('rule0001', { allow: setOf('text') });
    expect(run(rooms, admin, put('ops', r1))).toBeNull();
    expect(run(rooms, admin, put('ops', rule('rule0002', {})))).toBeNull();
    expect(run(rooms, admin, put('ops', { ...r1, label: 'changed' }))).toBeNull();
    expect(rooms.get('ops')!.acl.rules.map((r) => `${r.id}:${r.label}`)).toEqual(['rule0001:changed', 'rule0002:rule0002']);
    expect(run(rooms, admin, { kind: 'acl.rule.delete', args: { roomId: 'ops', ruleId: 'rule0001' } })).toBeNull();
    expect(rooms.get('ops')!.acl.rules.map((r) => r.id)).toEqual(['rule0002']);
    const g = { name: 'pilots', inherit: true, inheritable: true, add: [K('d')], remove: [] };
    expect(run(rooms, admin, { kind: 'acl.group.put', args: { roomId: 'ops', group: encodeGroup(g) } })).toBeNull();
    expect(rooms.get('ops')!.acl.groups).toEqual([g]);
    expect(run(rooms, admin, { kind: 'acl.group.delete', args: { roomId: 'ops', name: 'pilots' } })).toBeNull();
    expect(run(rooms, admin, { kind: 'acl.inherit', args: { roomId: 'team', inherit: 0 } })).toBeNull();
    expect(rooms.get('team')!.acl.inherit).toBe(false);
  });

  it('refuses bad values with a typed code and changes nothing', () => {
    const rooms = tree();
    const before = structuredClone([...rooms.values()]);
    const cases: [OpIntent, string][] = [
      [{ kind: 'acl.rule.put', args: { roomId: 'ops', rule: '{"id":"x"}' } }, 'bad-value'],
      [{ kind: 'acl.rule.put', args: { roomId: 'ops', rule: `${encodeRule(rule('abcdefgh', {}))} ` } }, 'bad-value'],
      [{ kind: 'acl.rule.put', args: { roomId: 'gone', rule: encodeRule(rule('abcdefgh', {})) } }, 'unknown-room'],
      [{ kind: 'acl.rule.delete', args: { roomId: 'ops', ruleId: 'missing1' } }, 'bad-value'],
      [{ kind: 'acl.group.put', args: { roomId: 'ops', group: 'null' } }, 'bad-value'],
      [{ kind: 'acl.group.delete', args: { roomId: 'ops', name: 'nobody' } }, 'bad-value'],
      [{ kind: 'acl.inherit', args: { roomId: 'ops', inherit: 2 } }, 'bad-value'],
      [{ kind: 'acl.inherit', args: { roomId: ROOT_ID, inherit: 1 } }, 'root-protected'],
    ];
    for (const [op, code] of cases) expect(validateOp(rooms, admin, op, ctx)?.code, op.kind).toBe(code);
    expect([...rooms.values()]).toEqual(before);
  });

  it('stops at the rule limit of a room', () => {
    const rooms = tree();
    for (let i = 0; i < MAX_RULES_PER_ROOM; i++) expect(run(rooms, admin, put('ops', rule(`rule${String(i).padStart(4, '0')}`, {})))).toBeNull();
    expect(validateOp(rooms, admin, put('ops', rule('onetoomany', {})), ctx)).toMatchObject({ code: 'bad-value', reason: `at most ${MAX_RULES_PER_ROOM} rules per room` });
    // replacing one still works
    expect(validateOp(rooms, admin, put('ops', rule('rule0000', { label: 'new' })), ctx)).toBeNull();
  });

  it('the tree document stores an edited ACL, leaves a default one out, and reads it back', () => {
    const rooms = tree();
    run(rooms, admin, put('ops', rule('rule0001', { allow: setOf('text') })));
    const doc = new Y.Doc();
    writeRooms(doc, rooms, rooms.keys(), null);
    const stored = doc.getMap<Y.Map<unknown>>('rooms');
    expect(stored.get('ops')!.has('acl')).toBe(true);
    expect(stored.get('team')!.has('acl')).toBe(false);
    expect(readRooms(doc)).toEqual(rooms);
    run(rooms, admin, { kind: 'acl.rule.delete', args: { roomId: 'ops', ruleId: 'rule0001' } });
    writeRooms(doc, rooms, ['ops'], null);
    expect(stored.get('ops')!.has('acl')).toBe(false);
    // a damaged ACL makes the record unreadable rather than permissive
    stored.get('team')!.set('acl', { inherit: true, rules: 'all', groups: [] });
    expect(readRooms(doc).has('team')).toBe(false);
  });
});
