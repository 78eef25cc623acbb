/**
 * One room as the tree stores it, and the tree as a map of them. The record lives in its
 * own module so the tree rules (`tree.ts`) and the self-indexing map (`room-index.ts`)
 * can both build on it without importing each other.
 */
import type { RoomAcl } from '../perms/index.ts';

/** One room as the tree stores it. */
export interface RoomRecord {
  readonly id: string;
  readonly name: string;
  /** Empty for the root. */
  readonly parent: string;
  /** Order among siblings: 0, 1, 2… */
  readonly position: number;
  readonly description: string;
  /** 0 = no limit. */
  readonly userLimit: number;
  /** Relay-assigned number stamped on forwarded voice; 0 while a create is only pending. */
  readonly voiceId: number;
  /** Who may do what here (perms/, docs/PERMISSIONS.md); `defaultAcl` when nobody has edited it. */
  readonly acl: RoomAcl;
}

/** The tree: rooms by id. Functions that change it say so. */
export type Rooms = Map<string, RoomRecord>;
