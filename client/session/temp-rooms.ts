/**
 * Temporary rooms as the client holds them (issue 15): the relay's TempRooms
 * list, replaced whole on every message, kept beside the tree's rooms in
 * `State.tempRooms` (the tree link stays the one writer of `State.rooms`).
 * Never cached: they are gone after a restart of the relay, and from here
 * once the relay's list no longer has them.
 */
import type { EditTempRoom, MakeTempRoom, TempRooms } from '../../proto/index.ts';
import type { RoomView, State } from './state.ts';

/** The views of the relay's list, each marked temporary. */
export function tempRoomViews(msg: TempRooms): RoomView[] {
  return msg.rooms.map((r, i) => ({ id: r.id, name: r.name, parentId: r.parentId, position: 0x10000 + i, voiceId: r.voiceId, description: '', userLimit: r.userLimit, pending: false, temporary: true, makerKeyHex: r.makerKeyHex }));
}

/** `state` with the relay's latest list. */
export function withTempRooms(state: State, msg: TempRooms): State {
  return { ...state, tempRooms: tempRoomViews(msg) };
}

/** The MakeTempRoom message for a name typed by the user (trimmed; the relay checks it again). */
export function makeTempRoomMessage(name: string, parentId: string): { case: 'makeTempRoom'; value: Omit<MakeTempRoom, '$typeName'> } {
  return { case: 'makeTempRoom', value: { name: name.trim(), parentId } };
}

/** The EditTempRoom message: new name (trimmed) and user limit (0 = none). */
export function editTempRoomMessage(roomId: string, name: string, userLimit: number): { case: 'editTempRoom'; value: Omit<EditTempRoom, '$typeName'> } {
  return { case: 'editTempRoom', value: { roomId, name: name.trim(), userLimit } };
}

/** The temporary rooms `selfKeyHex` may edit: all for an admin, else the ones it made (their admin group). */
export function editableTempRooms(temp: readonly RoomView[], selfKeyHex: string, isAdmin: boolean): Set<string> {
  return new Set(temp.filter((r) => isAdmin || r.makerKeyHex === selfKeyHex).map((r) => r.id));
}

/** The tree's rooms followed by the temporary ones (what the room list shows). */
export function roomsWithTemp(rooms: readonly RoomView[], temp: readonly RoomView[]): readonly RoomView[] {
  return temp.length === 0 ? rooms : [...rooms, ...temp];
}

/** Whether `roomId` is one of the temporary rooms the client knows. */
export function isTempRoom(state: State, roomId: string): boolean {
  return state.tempRooms.some((r) => r.id === roomId);
}
