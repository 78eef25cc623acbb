/**
 * Ids and defaults of the seeded rooms. The room list itself now lives in the
 * room-tree document (relay/tree/); a fresh relay seeds `lobby` and `quiet`
 * under the root there, carrying over a room list stored by older versions.
 */
import type { RoomRecord } from '../../crdt/index.ts';
import { defaultAcl } from '../../perms/index.ts';

/** Id of the room a user lands in on first visit (or when their last room is gone). */
export const LOBBY_ID = 'lobby';

/** The two rooms a fresh relay starts with under the root (`seedRooms` in relay/tree/tree-persistence.ts; tests build presence from these too). */
export const SEED_ROOMS: readonly RoomRecord[] = Object.freeze([
  { id: LOBBY_ID, name: 'Lobby', parent: 'root', position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(false) },
  { id: 'quiet', name: 'Quiet room', parent: 'root', position: 1, description: '', userLimit: 0, voiceId: 2, acl: defaultAcl(false) },
]);
