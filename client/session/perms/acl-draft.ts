/**
 * A room's ACL being edited: the draft is a whole `RoomAcl`; saving sends
 * only what differs from the room's current ACL, one change per rule or
 * group (so two admins' offline edits merge rule by rule, as the signed ops
 * do). Pure: the dialog keeps the draft, this says what changed.
 */
import type { GroupDef, RoomAcl, Rule } from '../../../perms/index.ts';

/** One change to a room's ACL (each becomes one signed op). */
export type AclChange =
  | { readonly kind: 'rule-put'; readonly rule: Rule }
  | { readonly kind: 'rule-delete'; readonly ruleId: string }
  | { readonly kind: 'group-put'; readonly group: GroupDef }
  | { readonly kind: 'group-delete'; readonly name: string }
  | { readonly kind: 'inherit'; readonly inherit: boolean };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What turns `before` into `after`: deletions first, then puts (new and changed), then the inherit switch. */
export function aclChanges(before: RoomAcl, after: RoomAcl): AclChange[] {
  const out: AclChange[] = [];
  const ruleIds = new Set(after.rules.map((r) => r.id));
  const groupNames = new Set(after.groups.map((g) => g.name));
  for (const r of before.rules) if (!ruleIds.has(r.id)) out.push({ kind: 'rule-delete', ruleId: r.id });
  for (const g of before.groups) if (!groupNames.has(g.name)) out.push({ kind: 'group-delete', name: g.name });
  const oldRule = new Map(before.rules.map((r) => [r.id, r]));
  const oldGroup = new Map(before.groups.map((g) => [g.name, g]));
  for (const g of after.groups) if (!same(oldGroup.get(g.name), g)) out.push({ kind: 'group-put', group: g });
  for (const r of after.rules) if (!same(oldRule.get(r.id), r)) out.push({ kind: 'rule-put', rule: r });
  if (before.inherit !== after.inherit) out.push({ kind: 'inherit', inherit: after.inherit });
  return out;
}

/** The draft with one rule added or replaced (by id). */
export function withRule(acl: RoomAcl, rule: Rule): RoomAcl {
  const rules = acl.rules.some((r) => r.id === rule.id) ? acl.rules.map((r) => (r.id === rule.id ? rule : r)) : [...acl.rules, rule];
  return { ...acl, rules };
}

/** The draft without a rule. */
export function withoutRule(acl: RoomAcl, ruleId: string): RoomAcl {
  return { ...acl, rules: acl.rules.filter((r) => r.id !== ruleId) };
}

/** The draft with one group added or replaced (by name). */
export function withGroup(acl: RoomAcl, group: GroupDef): RoomAcl {
  const groups = acl.groups.some((g) => g.name === group.name) ? acl.groups.map((g) => (g.name === group.name ? group : g)) : [...acl.groups, group];
  return { ...acl, groups };
}

/** The draft without a group. */
export function withoutGroup(acl: RoomAcl, name: string): RoomAcl {
  return { ...acl, groups: acl.groups.filter((g) => g.name !== name) };
}

/** A fresh rule id (12 characters of [a-z0-9]). */
export function newRuleId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}
