/**
 * The rooms a benchmark relay holds: `r0`..`r{n-1}`, voice ids 1..n, no user
 * limit. Seeded into a fresh store before the relay opens it.
 */
import type { StoredRoom } from '../../relay/index.ts';

/** Id of the i-th benchmark room. */
export function roomId(i: number): string {
  return `r${i}`;
}

/** `n` benchmark rooms. */
export function benchRooms(n: number): StoredRoom[] {
  return Array.from({ length: n }, (_, i) => ({
    id: roomId(i),
    name: `Room ${i}`,
    parentId: '',
    position: i,
    description: '',
    userLimit: 0,
    voiceId: i + 1,
  }));
}
