import { describe, expect, it } from 'vitest';
import { bit } from '../../../perms/index.ts';
import { permsEditableRooms } from '../../../client/session/perms/perm-state.ts';
import type { RoomView } from '../../../client/session/tree/room-view.ts';

const room = (id: string, parentId = '', acl?: RoomView['acl']): RoomView => ({ id, name: id, parentId, position: 0, voiceId: 1, description: '', userLimit: 0, pending: false, ...(acl ? { acl } : {}) });
const KEY = 'ab'.repeat(32);

describe('permsEditableRooms', () => {
  const rooms = [
    room('root'),
    room('events', 'root', { inherit: true, groups: [], rules: [{ id: 'r1', label: 'ana runs events', who: { kind: 'key', keyHex: KEY }, where: 'anywhere', allow: bit('edit-perms'), deny: 0, here: true, subs: true }] }),
    room('stage', 'events'),
    room('lounge', 'root'),
  ];

  it('lists the rooms where a member was given edit-perms (and the sub-rooms the rule reaches)', () => {
    expect([...permsEditableRooms(rooms, { keyHex: KEY, role: 'member', roomId: 'root' })].sort()).toEqual(['events', 'stage']);
  });

  it('gives another member none', () => {
    expect(permsEditableRooms(rooms, { keyHex: 'cd'.repeat(32), role: 'member', roomId: 'root' }).size).toBe(0);
  });
});
