/**
 * The signed op intents for a room's ACL changes (crdt/acl-ops.ts kinds),
 * in the order the draft produced them. Each becomes one op in the tree's
 * outbox: signed, stored, shown at once, and rolled back with a message when
 * the relay refuses it, exactly like a room edit.
 */
import { encodeGroup, encodeRule } from '../../../perms/index.ts';
import type { TreeEdit } from '../tree/index.ts';
import type { AclChange } from './acl-draft.ts';

/** One tree edit per change. */
export function aclEdits(roomId: string, changes: readonly AclChange[]): TreeEdit[] {
  return changes.map((c): TreeEdit => {
    switch (c.kind) {
      case 'rule-put':
        return { kind: 'acl.rule.put', args: { roomId, rule: encodeRule(c.rule) } };
      case 'rule-delete':
        return { kind: 'acl.rule.delete', args: { roomId, ruleId: c.ruleId } };
      case 'group-put':
        return { kind: 'acl.group.put', args: { roomId, group: encodeGroup(c.group) } };
      case 'group-delete':
        return { kind: 'acl.group.delete', args: { roomId, name: c.name } };
      case 'inherit':
        return { kind: 'acl.inherit', args: { roomId, inherit: c.inherit ? 1 : 0 } };
    }
  });
}
