/**
 * A permission refusal in one sentence, from the relay's deciding rule:
 * "You may not speak in “Flight”: denied by ‘pilots only’ on /Flight." The
 * rule is looked up in the replicated tree (rule ids are unique, and the rule
 * may sit on an ancestor of the refused room); a rule this client does not
 * know (not synced yet, or deleted meanwhile) is named by its id.
 */
import type { Rule } from '../../perms/index.ts';
import type { PermissionDenialView } from '../session/perms/denial.ts';
import type { RoomView } from '../session/tree/room-view.ts';
import { decisionSentence, PERMISSION_TEXT } from './perms-text.ts';

/** The rule with `ruleId` and the room it is on, if this client knows it. */
export function findRule(rooms: readonly RoomView[], ruleId: string): { readonly rule: Rule; readonly roomId: string } | null {
  for (const r of rooms) {
    const rule = r.acl?.rules.find((x) => x.id === ruleId);
    if (rule) return { rule, roomId: r.id };
  }
  return null;
}

/** "You may not speak in “Flight”: denied by ‘pilots only’ on /Flight." */
export function denialText(denial: PermissionDenialView, rooms: readonly RoomView[]): string {
  const room = rooms.find((r) => r.id === denial.roomId);
  const head = `You may not ${PERMISSION_TEXT[denial.permission]} in “${room?.name ?? denial.roomId}”`;
  if (!denial.ruleId) return `${head} (no rule allows it).`;
  const found = findRule(rooms, denial.ruleId);
  if (!found) return `${head}: denied by rule ${denial.ruleId}.`;
  const step = { roomId: found.roomId, ruleId: denial.ruleId, matched: true, why: '', set: 0, cleared: 0, inherited: found.roomId !== denial.roomId };
  const ruleOf = (roomId: string, id: string) => (id === denial.ruleId && roomId === found.roomId ? found.rule : null);
  return `${head}: ${decisionSentence(false, step, denial.roomId, { rooms, ruleOf })}.`;
}
