/**
 * The rooms an op names, for the hidden-room rule: an op naming a room its
 * submitter may not see is judged against the tree without the rooms it may
 * not see, so it gets exactly the answer a room that does not exist gets
 * (docs/ARCHITECTURE.md, "Hidden rooms").
 */
import type { OpBody } from '../../crdt/index.ts';
import type { Hidden } from './visible-set.ts';

/**
 * The first hidden room `op` names, or null. Every `roomId` and `parentId`
 * argument counts (the ACL op kinds name their room as `roomId` too), except
 * the id a `room.create` makes: that one names no existing room the author
 * could learn anything about but "taken", which ids chosen at random make
 * unguessable (the client's ids are random).
 */
export function hiddenRoomNamed(op: OpBody, hidden: Hidden): string | null {
  if (hidden.size === 0) return null;
  const args = op.args as Readonly<Record<string, unknown>>;
  for (const field of ['roomId', 'parentId'] as const) {
    if (field === 'roomId' && op.kind === 'room.create') continue;
    const id = args[field];
    if (typeof id === 'string' && hidden.has(id)) return id;
  }
  return null;
}
