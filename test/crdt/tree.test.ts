import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyOp, checkRoomName, childrenOf, project, readRooms, ROOT_ID, validateOp, writeRooms } from '../../crdt/index.ts';
import type { Actor, OpIntent, Rooms } from '../../crdt/index.ts';
import { defaultAcl } from '../../perms/index.ts';

const admin: Actor = { keyHex: 'a', role: 'admin' };
const guest: Actor = { keyHex: 'g', role: 'guest' };
const ctx = { occupancy: () => 0 };

function seed(): Rooms {
  const rooms: Rooms = new Map();
  rooms.set(ROOT_ID, { id: ROOT_ID, name: 'Root', parent: '', position: 0, description: '', userLimit: 0, voiceId: 3, acl: defaultAcl(true) });
  rooms.set('lobby', { id: 'lobby', name: 'Lobby', parent: ROOT_ID, position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(false) });
  rooms.set('quiet', { id: 'quiet', name: 'Quiet room', parent: ROOT_ID, position: 1, description: '', userLimit: 2, voiceId: 2, acl: defaultAcl(false) });
  return rooms;
}
const run = (rooms: Rooms, op: OpIntent, actor = admin) => validateOp(rooms, actor, op, ctx) ?? (applyOp(rooms, op, () => 9), null);

describe('authorize and invariants', () => {
  it('admins edit the tree, everyone may join', () => {
    const rooms = seed();
    expect(validateOp(rooms, guest, { kind: 'room.rename', args: { roomId: 'lobby', name: 'X' } }, ctx)?.code).toBe('forbidden');
    expect(validateOp(rooms, guest, { kind: 'member.join', args: { roomId: 'quiet' } }, ctx)).toBeNull();
    expect(validateOp(rooms, guest, { kind: 'member.join', args: { roomId: 'quiet' } }, { occupancy: () => 2 })?.code).toBe('room-full');
  });

  it('refuses cycles, duplicate sibling names (any case), bad names, unknown rooms, root changes', () => {
    const rooms = seed();
    expect(run(rooms, { kind: 'room.create', args: { roomId: 'x', parentId: 'lobby', name: 'X', index: 0, description: '', userLimit: 0 } })).toBeNull();
    expect(run(rooms, { kind: 'room.move', args: { roomId: 'lobby', parentId: 'x', index: 0 } })?.code).toBe('cycle');
    expect(run(rooms, { kind: 'room.move', args: { roomId: 'lobby', parentId: 'lobby', index: 0 } })?.code).toBe('cycle');
    expect(run(rooms, { kind: 'room.rename', args: { roomId: 'quiet', name: 'LOBBY' } })?.code).toBe('duplicate-name');
    expect(run(rooms, { kind: 'room.rename', args: { roomId: 'quiet', name: ' padded' } })?.code).toBe('bad-name');
    expect(run(rooms, { kind: 'room.rename', args: { roomId: 'nope', name: 'A' } })?.code).toBe('unknown-room');
    expect(run(rooms, { kind: 'room.delete', args: { roomId: ROOT_ID } })?.code).toBe('root-protected');
    expect(run(rooms, { kind: 'room.create', args: { roomId: 'lobby', parentId: ROOT_ID, name: 'Z', index: 0, description: '', userLimit: 0 } })?.code).toBe('room-exists');
    expect(checkRoomName('a'.repeat(64))).toBeNull();
    expect(checkRoomName('a'.repeat(65))?.code).toBe('bad-name');
    expect(checkRoomName('tab\there')?.code).toBe('bad-name');
  });

  it('moves reorder siblings contiguously and delete removes the subtree', () => {
    const rooms = seed();
    run(rooms, { kind: 'room.create', args: { roomId: 'a', parentId: ROOT_ID, name: 'A', index: 0, description: '', userLimit: 0 } });
    expect(childrenOf(rooms, ROOT_ID).map((r) => [r.id, r.position])).toEqual([['a', 0], ['lobby', 1], ['quiet', 2]]);
    run(rooms, { kind: 'room.move', args: { roomId: 'a', parentId: ROOT_ID, index: 99 } });
    expect(childrenOf(rooms, ROOT_ID).map((r) => r.id)).toEqual(['lobby', 'quiet', 'a']);
    run(rooms, { kind: 'room.move', args: { roomId: 'quiet', parentId: 'a', index: 0 } });
    expect(childrenOf(rooms, ROOT_ID).map((r) => [r.id, r.position])).toEqual([['lobby', 0], ['a', 1]]);
    run(rooms, { kind: 'room.delete', args: { roomId: 'a' } });
    expect([...rooms.keys()].sort()).toEqual(['lobby', 'root']);
  });

  it('the Yjs document holds exactly what the rules produced', () => {
    const rooms = seed();
    const doc = new Y.Doc();
    writeRooms(doc, rooms, rooms.keys(), 'seed');
    const changed = applyOp(rooms, { kind: 'room.move', args: { roomId: 'quiet', parentId: ROOT_ID, index: 0 } }, () => 0);
    writeRooms(doc, rooms, changed, 'relay');
    expect(readRooms(doc)).toEqual(rooms);
  });
});

describe('overlay', () => {
  it('shows pending ops on top of the server state and flags those that no longer apply', () => {
    const server = seed();
    const pending = [
      { id: 'p1', intent: { kind: 'room.rename', args: { roomId: 'quiet', name: 'Lounge' } } as OpIntent },
      { id: 'p2', intent: { kind: 'room.rename', args: { roomId: 'gone', name: 'X' } } as OpIntent },
    ];
    const view = project(server, pending, admin);
    expect(view.rooms.get('quiet')?.name).toBe('Lounge');
    expect(view.pendingRooms.has('quiet')).toBe(true);
    expect(view.blocked.get('p2')?.code).toBe('unknown-room');
    expect(server.get('quiet')?.name).toBe('Quiet room');
  });
});
