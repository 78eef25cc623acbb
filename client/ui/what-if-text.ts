/**
 * The details of a what-if, in words: one line per person and room, "Ana
 * loses speak in /Flight". The summary line comes from perms/whatIf.
 */
import type { KnownPermChange } from '../session/perms/what-if.ts';
import { PERMISSION_TEXT } from './perms-text.ts';

/** One line per person, room and permission. */
export function whatIfDetails(changes: readonly KnownPermChange[], path: (roomId: string) => string): string[] {
  return changes.map((c) => `${c.name || `identity ${c.keyHex.slice(0, 8)}…`} ${c.gained ? 'gains' : 'loses'} ${PERMISSION_TEXT[c.permission]} in ${path(c.roomId)}`);
}
