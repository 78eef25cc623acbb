/**
 * What a client shows: the last state it synced from the relay with its own
 * queued ops applied on top, in order. Recomputed from scratch whenever the
 * server state changes or an op leaves the queue, so an acknowledged op (now
 * part of the server state) or a refused one (dropped from the queue) needs
 * no special undo: the rollback is simply not applying it any more. A newly
 * queued op is applied on top of the last projection (`extendProjection`).
 */
import { applyOp, validateOp } from './tree.ts';
import type { Actor, Rejection, Rooms } from './tree.ts';
import type { OpIntent } from './op.ts';

/** A queued op as the overlay needs it. */
export interface PendingIntent {
  readonly id: string;
  readonly intent: OpIntent;
}

/** The projected view (owned by its caller; `extendProjection` changes it in place). */
export interface Projection {
  readonly rooms: Rooms;
  /** Rooms a pending op created or changed. */
  readonly pendingRooms: Set<string>;
  /** Pending ops that no longer apply to the current state (the relay will refuse them). */
  readonly blocked: Map<string, Rejection>;
}

/** Applies one more pending op on top of `p`, in place. `server` supplies known voice ids. */
export function extendProjection(p: Projection, server: Rooms, op: PendingIntent, actor: Actor): void {
  if (op.intent.kind === 'member.join') return;
  const rejection = validateOp(p.rooms, actor, op.intent, { occupancy: () => 0 });
  if (rejection) {
    p.blocked.set(op.id, rejection);
    return;
  }
  const own = op.intent.kind === 'room.create' || op.intent.kind === 'room.move' ? op.intent.args.roomId : null;
  for (const id of applyOp(p.rooms, op.intent, (roomId) => server.get(roomId)?.voiceId ?? 0)) {
    // A create or move renumbers siblings; only the room itself is "pending".
    if (p.rooms.has(id) && (own === null || id === own)) p.pendingRooms.add(id);
  }
}

/** Server state plus pending ops. Does not modify `server`. */
export function project(server: Rooms, pending: readonly PendingIntent[], actor: Actor): Projection {
  const p: Projection = { rooms: new Map(server), pendingRooms: new Set(), blocked: new Map() };
  for (const op of pending) extendProjection(p, server, op, actor);
  return p;
}
