/**
 * One room as the client shows it: the tree's `RoomRecord` (crdt/room.ts, the
 * one stored shape) with the parent under the name the UI uses and a flag for
 * changes still queued. `toRoomView` is the only place a view is made.
 */
import type { RoomRecord } from '../../../crdt/index.ts';
import type { RoomAcl } from '../../../perms/index.ts';

/** One room as the UI shows it (`State.rooms`). */
export interface RoomView {
  readonly id: string;
  readonly name: string;
  /** Empty for the root. */
  readonly parentId: string;
  readonly position: number;
  /** 0 while a create is only pending. */
  readonly voiceId: number;
  readonly description: string;
  /** 0 = no limit. */
  readonly userLimit: number;
  /** A queued (not yet acknowledged) change created or changed this room. */
  readonly pending: boolean;
  /** The room's rules and groups (perms/); absent (hand-made views in tests) = the default. */
  readonly acl?: RoomAcl;
  /** A temporary room (relay-held, never stored; client/session/temp-rooms.ts). */
  readonly temporary?: true;
  /** A temporary room's maker (hex key): its admin group, who may rename it and set its limit. */
  readonly makerKeyHex?: string;
}

/** The view of `record`; `pending` when a queued op created or changed it. */
export function toRoomView(record: RoomRecord, pending: boolean): RoomView {
  return {
    id: record.id,
    name: record.name,
    parentId: record.parent,
    position: record.position,
    voiceId: record.voiceId,
    description: record.description,
    userLimit: record.userLimit,
    pending,
    acl: record.acl,
  };
}
