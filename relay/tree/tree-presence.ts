/**
 * The room tree's side of presence (relay/presence/): the unsigned JoinRoom
 * fast path held to member.join's rules, and the presence rooms following a
 * batch's tree changes. The tree service calls these with what it owns.
 */
import { validateOp } from '../../crdt/index.ts';
import type { Actor, Rooms } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { JoinRoom } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Presence } from '../presence/presence.ts';
import type { Roster } from '../presence/roster.ts';
import type { DropStats } from '../stats.ts';
import type { Visibility } from '../visibility/visibility.ts';

/** What {@link joinRoom} needs. */
export interface JoinDeps {
  readonly roster: Roster;
  readonly visibility: Visibility;
  readonly stats: DropStats;
  readonly actorOf: (keyHex: string) => Actor | null;
}

/**
 * The unsigned JoinRoom fast path, held to member.join's rules (the same
 * authorize and room checks) before presence moves the session.
 */
export function joinRoom(deps: JoinDeps, rooms: Rooms, session: Session, msg: JoinRoom): void {
  const member = deps.roster.member(session);
  if (!member) return;
  if (!deps.visibility.sees(session, msg.roomId)) {
    // Word for word the answer for a room that does not exist (roster.join): no oracle.
    deps.stats.frame('unknown-room', session.connId);
    session.sendError(ErrorCode.UNKNOWN_ROOM, 'no such room', 'join_room');
    return;
  }
  const actor = deps.actorOf(toHex(member.publicKey)) ?? { keyHex: toHex(member.publicKey), role: 'guest' as const };
  const rejection = validateOp(rooms, actor, { kind: 'member.join', args: { roomId: msg.roomId } }, { occupancy: () => 0 });
  if (rejection?.code === 'forbidden') {
    session.sendError(ErrorCode.FORBIDDEN, rejection.reason, 'join_room');
    return;
  }
  // Unknown room and user limit are answered by presence with the JoinRoom codes.
  deps.roster.join(session, msg);
}

/**
 * Adds and updates presence rooms to match the tree, and returns the deleted
 * ones with where their people go: the nearest surviving ancestor ('root').
 */
export function followTree(presence: Presence, rooms: Rooms, changed: ReadonlySet<string>): Array<[string, string]> {
  const gone: Array<[string, string]> = [];
  for (const id of changed) {
    const room = rooms.get(id);
    if (room) {
      presence.upsertRoom(room);
      continue;
    }
    // Fallbacks first: a deleted subtree's rooms must still be found while walking up.
    let fallback = presence.roomInfo(id)?.parent ?? '';
    while (fallback !== '' && !rooms.has(fallback)) fallback = presence.roomInfo(fallback)?.parent ?? '';
    gone.push([id, fallback === '' ? 'root' : fallback]);
  }
  return gone;
}
