import { describe, expect, it } from 'vitest';
import { checkRoomName, MAX_ROOM_NAME_CHARS, ROOT_ID } from '../../../crdt/index.ts';
import { SEED_ROOMS } from '../../../relay/index.ts';
import { seedRooms } from '../../../relay/tree/tree-persistence.ts';

// Unit: the tree a fresh relay starts with (pure, no store).
describe('seedRooms', () => {
  it('seeds the rooms of SEED_ROOMS under the root when there is no legacy list', () => {
    const rooms = seedRooms(undefined, 'Parley');
    expect(rooms.slice(1).map((r) => ({ id: r.id, name: r.name, voiceId: r.voiceId, parent: r.parent, position: r.position }))).toEqual(
      SEED_ROOMS.map((r, position) => ({ id: r.id, name: r.name, voiceId: r.voiceId, parent: ROOT_ID, position })),
    );
  });

  it('cuts a long server name at the room-name limit in characters (code points), not UTF-16 units', () => {
    const name = '🎧'.repeat(MAX_ROOM_NAME_CHARS + 6); // two UTF-16 units each
    const root = seedRooms(undefined, name)[0]!;
    expect([...root.name]).toHaveLength(MAX_ROOM_NAME_CHARS);
    expect(root.name).toBe('🎧'.repeat(MAX_ROOM_NAME_CHARS));
    expect(checkRoomName(root.name)).toBeNull();
  });

  it('gives the root a valid name when the cut lands after a space', () => {
    const root = seedRooms(undefined, `${'a'.repeat(MAX_ROOM_NAME_CHARS - 1)} tail`)[0]!;
    expect(root.name).toBe('a'.repeat(MAX_ROOM_NAME_CHARS - 1));
    expect(checkRoomName(root.name)).toBeNull();
  });

  it('falls back to "Parley" for a blank server name', () => {
    expect(seedRooms(undefined, '   ')[0]!.name).toBe('Parley');
  });
});
