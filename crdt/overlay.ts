/**
 * What a client shows: the last state it synced from the relay with its own
 * queued ops applied on top, in order. Recomputed from scratch whenever
 * either side changes, so an acknowledged op (now part of the server state)
 * or a refused one (dropped from the queue) needs no special undo: the
 * rollback is simply not applying it any more.
 */
import { applyOp, validateOp } from './tree.ts';
import type { Actor, Rejection, Rooms } from './tree.ts';
import type { OpIntent } from './op.ts';

/** A queued op as the overlay needs it. */
export interface PendingIntent {
  readonly id: string;
  readonly intent: OpIntent;
}

/** The projected view. */
export interface Projection {
  readonly rooms: Rooms;
  /** Rooms a pending op created or changed. */
  readonly pendingRooms: ReadonlySet<string>;
  /** Pending ops that no longer apply to the current state (the relay will refuse them). */
  readonly blocked: ReadonlyMap<string, Rejection>;
}

/** Server state plus pending ops. Does not modify `server`. */
export function project(server: Rooms, pending: readonly PendingIntent[], actor: Actor): Projection {
  const rooms: Rooms = new Map(server);
  const pendingRooms = new Set<string>();
  const blocked = new Map<string, Rejection>();
  for (const p of pending) {
    if (p.intent.kind === 'member.join') continue;
    const rejection = validateOp(rooms, actor, p.intent, { occupancy: () => 0 });
    if (rejection) {
      blocked.set(p.id, rejection);
      continue;
    }
    for (const id of applyOp(rooms, p.intent, (roomId) => server.get(roomId)?.voiceId ?? 0)) {
      if (rooms.has(id) && (p.intent.kind !== 'room.create' && p.intent.kind !== 'room.move' ? true : id === p.intent.args.roomId)) pendingRooms.add(id);
    }
  }
  return { rooms, pendingRooms, blocked };
}
