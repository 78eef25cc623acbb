/**
 * The room list: seeded on first start, then whatever the store holds.
 */
import type { Store, StoredRoom } from './store.ts';

/** Id of the room a user lands in on first visit (or when their last room is gone). */
export const LOBBY_ID = 'lobby';

/** Rooms a fresh relay starts with. */
export const SEED_ROOMS: readonly StoredRoom[] = Object.freeze([
  { id: LOBBY_ID, name: 'Lobby', parentId: '', position: 0, description: '', userLimit: 0, voiceId: 1 },
  { id: 'quiet', name: 'Quiet room', parentId: '', position: 1, description: '', userLimit: 0, voiceId: 2 },
]);

/** The stored rooms, seeding {@link SEED_ROOMS} on first start. */
export async function loadOrSeedRooms(store: Store): Promise<readonly StoredRoom[]> {
  const stored = store.rooms();
  if (stored && stored.length > 0) return stored;
  await store.saveRooms(SEED_ROOMS);
  return SEED_ROOMS;
}
