/**
 * Plain-language text for permissions (perms/): what a permission is called,
 * who a rule is about, a rule as a sentence ("Guests: cannot speak — here and
 * in sub-rooms") and the deciding step of an evaluation ("denied by ‘guests:
 * no speak’ on /Events, inherited from the parent"). Pure: room names and
 * people's names are passed in, so the same words serve the editor, the
 * inspector and refusal messages.
 */
import { PERMISSIONS, has } from '../../perms/index.ts';
import type { Permission, PermSet, Rule, TraceStep, Who, Where } from '../../perms/index.ts';

/** The words for each permission, as a verb phrase after "can" / "cannot". */
export const PERMISSION_TEXT: Readonly<Record<Permission, string>> = {
  see: 'see the room',
  enter: 'enter',
  speak: 'speak',
  whisper: 'whisper',
  text: 'chat',
  'mute-others': 'mute others',
  'move-others': 'move others',
  'make-room': 'make rooms',
  'make-temp-room': 'make temporary rooms',
  'edit-room': 'edit the room',
  'edit-perms': 'edit permissions',
  kick: 'kick',
  ban: 'ban',
  invite: 'make invites',
  'delete-messages': 'delete others’ messages',
  'share-files': 'share files',
};

/** A room's place in the tree: its id, name and parent (what the sentences need). */
export interface NamedRoom {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
}

/** Names of people by identity key hex (roster and names seen before). */
export type KnownNames = ReadonlyMap<string, string>;

const q = (s: string): string => `‘${s}’`;

/** A short name for an identity: its known display name, else the key's start. */
export function personName(keyHex: string, names: KnownNames): string {
  return names.get(keyHex) ?? `identity ${keyHex.slice(0, 8)}…`;
}

/** Who a rule is about, capitalised: "Everyone", "Guests", "Group ‘officers’", "Ana". */
export function whoText(who: Who, names: KnownNames): string {
  switch (who.kind) {
    case 'everyone':
      return 'Everyone';
    case 'guests':
      return 'Guests';
    case 'members':
      return 'Members';
    case 'admins':
      return 'Admins';
    case 'group':
      return `Group ${q(who.name)}`;
    case 'key':
      return personName(who.keyHex, names);
  }
}

const WHERE_TEXT: Readonly<Record<Where, string>> = {
  anywhere: '',
  'in-room': ' while in this room',
  'in-sub-room': ' while in a sub-room',
  outside: ' while outside this room',
};

/** The permissions of a set, in the stable order, as words ("enter, speak"). */
export function permList(set: PermSet): string {
  return PERMISSIONS.filter((p) => has(set, p))
    .map((p) => PERMISSION_TEXT[p])
    .join(', ');
}

/** Where a rule applies: "here and in sub-rooms", "here only", "in sub-rooms only", "nowhere". */
export function scopeText(rule: Pick<Rule, 'here' | 'subs'>): string {
  if (rule.here && rule.subs) return 'here and in sub-rooms';
  if (rule.here) return 'here only';
  if (rule.subs) return 'in sub-rooms only';
  return 'nowhere (neither here nor in sub-rooms)';
}

/** A rule in one sentence: "Guests: cannot speak — here and in sub-rooms". */
export function ruleSentence(rule: Rule, names: KnownNames): string {
  const parts: string[] = [];
  if (rule.allow) parts.push(`can ${permList(rule.allow)}`);
  if (rule.deny) parts.push(`cannot ${permList(rule.deny)}`);
  const what = parts.length > 0 ? parts.join('; ') : 'no change';
  return `${whoText(rule.who, names)}${WHERE_TEXT[rule.where]}: ${what} — ${scopeText(rule)}`;
}

/** "/" for the top room, "/Events/Briefing" below it (names of the rooms under the top one). */
export function roomPath(roomId: string, rooms: readonly NamedRoom[]): string {
  const byId = new Map(rooms.map((r) => [r.id, r]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let r = byId.get(roomId); r && r.parentId && byId.has(r.parentId) && !seen.has(r.id); r = byId.get(r.parentId)) {
    seen.add(r.id);
    names.unshift(r.name);
  }
  if (!byId.has(roomId)) return roomId;
  return `/${names.join('/')}`;
}

/** What a sentence about a step needs: the rooms and their rules. */
export interface TraceContext {
  readonly rooms: readonly NamedRoom[];
  /** The rule with this id on that room, if it is still known. */
  readonly ruleOf: (roomId: string, ruleId: string) => Rule | null;
}

/**
 * Why `p` came out as it did, from its deciding step: "denied by ‘guests: no
 * speak’ on /Events, inherited from the parent", "allowed by default",
 * "allowed: admins may do everything".
 */
export function decisionSentence(allowed: boolean, step: TraceStep | null, targetRoomId: string, ctx: TraceContext): string {
  const verb = allowed ? 'allowed' : 'denied';
  if (!step) return `${verb} by default`;
  const where = roomPath(step.roomId, ctx.rooms);
  // A hidden ancestor (or room) takes everything: say so, then name the rule that hid it.
  const hidden = step.why.startsWith('hidden') ? `${step.roomId === targetRoomId ? 'this room' : where} is hidden from them, ` : '';
  if (step.ruleId === null && step.why.startsWith('default')) return allowed ? 'allowed by default' : 'denied by default (no rule allows it)';
  if (step.ruleId === null) return hidden ? `${verb}: ${hidden.slice(0, -2)}` : `${verb}: ${step.why}`;
  const rule = ctx.ruleOf(step.roomId, step.ruleId);
  const label = rule?.label || (rule ? ruleSentence(rule, new Map()) : `rule ${step.ruleId}`);
  if (hidden) return `${verb}: ${hidden}by ${q(label)} on ${where}`;
  let from = '';
  if (step.inherited || step.roomId !== targetRoomId) {
    const target = ctx.rooms.find((r) => r.id === targetRoomId);
    from = target?.parentId === step.roomId ? ', inherited from the parent' : `, inherited from ${where}`;
  }
  return `${verb} by ${q(label)} on ${where}${from}`;
}

/** "speak" → "Speak" (grid row headers). */
export function permissionTitle(p: Permission): string {
  const t = PERMISSION_TEXT[p];
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A short label for a rule nobody named: "guests: no speak", "group officers: enter, speak". */
export function autoLabel(rule: Pick<Rule, 'who' | 'allow' | 'deny'>, names: KnownNames): string {
  const who = whoText(rule.who, names).toLowerCase().replace(/[‘’]/g, '');
  const short = (set: PermSet): string => PERMISSIONS.filter((p) => has(set, p)).join(', ');
  const parts = [rule.allow ? short(rule.allow) : '', rule.deny ? `no ${short(rule.deny)}` : ''].filter(Boolean);
  return `${who}: ${parts.join('; ') || 'nothing'}`.slice(0, 64);
}
