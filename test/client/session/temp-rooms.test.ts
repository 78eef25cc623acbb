/**
 * The client's temporary rooms on their own: the relay's list replaces the
 * last one whole, views are marked temporary, the voice id of a temporary
 * current room is found, and a new sign-in forgets the old list.
 */
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AuthOkSchema, Role, TempRoomsSchema } from '../../../proto/index.ts';
import { currentVoiceId, signedInState } from '../../../client/session/presence.ts';
import { initialState } from '../../../client/session/state.ts';
import { isTempRoom, makeTempRoomMessage, roomsWithTemp, withTempRooms } from '../../../client/session/temp-rooms.ts';

const list = (...names: string[]) => create(TempRoomsSchema, { rooms: names.map((name, i) => ({ id: `tmp-${i}`, name, parentId: 'lobby', makerKeyHex: 'aa', voiceId: 0x40000000 + i })) });

describe('client temporary rooms', () => {
  it('each list replaces the last; views are marked temporary and listed after the tree rooms', () => {
    const one = withTempRooms(initialState, list('Huddle', 'Standup'));
    expect(one.tempRooms.map((r) => [r.name, r.temporary, r.parentId])).toEqual([['Huddle', true, 'lobby'], ['Standup', true, 'lobby']]);
    const two = withTempRooms(one, list('Huddle'));
    expect(two.tempRooms.map((r) => r.name)).toEqual(['Huddle']);
    expect(roomsWithTemp(two.rooms, two.tempRooms).map((r) => r.id)).toEqual(['tmp-0']);
    expect(roomsWithTemp(two.rooms, [])).toBe(two.rooms);
  });

  it("the current room's voice id comes from the temporary list when it is one; a new sign-in forgets the list", () => {
    const s = { ...withTempRooms(initialState, list('Huddle')), roomId: 'tmp-0' };
    expect(currentVoiceId(s)).toBe(0x40000000);
    expect(isTempRoom(s, 'tmp-0')).toBe(true);
    const again = signedInState(s, create(AuthOkSchema, { sessionId: 2, role: Role.MEMBER, roomId: 'lobby' }));
    expect(again.tempRooms).toEqual([]);
  });

  it('the request trims the name it sends', () => {
    expect(makeTempRoomMessage('  Huddle ', 'lobby')).toEqual({ case: 'makeTempRoom', value: { name: 'Huddle', parentId: 'lobby' } });
  });
});
