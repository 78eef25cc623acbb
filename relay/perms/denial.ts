/**
 * A permission refusal as it goes on the wire: the permission, the room, and
 * the trace step that decided it, so the client can explain it in a sentence
 * ("denied by 'guests: no speak' on /Events, inherited").
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { RoomRecord } from '../../crdt/index.ts';
import { decidingStep } from '../../perms/index.ts';
import type { Evaluation, Permission, PermState } from '../../perms/index.ts';
import type { PermissionDenialSchema } from '../../proto/index.ts';
import { ancestry } from './perm-state.ts';

/** The wire shape of a refusal's detail. */
export type Denial = MessageInitShape<typeof PermissionDenialSchema> & { readonly permission: Permission; readonly roomId: string; readonly ruleId: string };

/** "/Events/Briefing": names from below the root down to `roomId` ("/" for the root). */
export function roomPath(rooms: ReadonlyMap<string, RoomRecord>, state: PermState, roomId: string): string {
  const names = ancestry(state, roomId)
    .reverse()
    .slice(1)
    .map((id) => rooms.get(id)?.name ?? id);
  return `/${names.join('/')}`;
}

/** The denial for `p` missing from `e`, the evaluation in `roomId`. */
export function denialOf(e: Evaluation, p: Permission, roomId: string, state: PermState, rooms: ReadonlyMap<string, RoomRecord>): Denial {
  const step = decidingStep(e, p);
  const ruleRoomId = step?.roomId ?? roomId;
  const rule = step?.ruleId ? state.rooms.get(ruleRoomId)?.acl.rules.find((r) => r.id === step.ruleId) : undefined;
  return {
    permission: p,
    roomId,
    ruleId: step?.ruleId ?? '',
    ruleRoomId,
    ruleLabel: rule?.label ?? '',
    why: step?.why ?? 'not granted',
    roomPath: roomPath(rooms, state, roomId),
  };
}

/** One line for logs and `message` fields: "enter denied in /Staff by rule r1 (applies to guests)". */
export function denialText(d: Denial): string {
  const by = d.ruleId ? `by rule ${d.ruleId}${d.ruleLabel ? ` "${d.ruleLabel}"` : ''}` : `by ${d.why}`;
  return `${d.permission} denied in ${d.roomPath ?? d.roomId} ${by}`;
}
