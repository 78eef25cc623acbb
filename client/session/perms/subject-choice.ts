/**
 * Whom the inspector asks about, as one string a `<select>` can hold:
 * `self`, `role:guest|member|admin`, `key:<hex>`, `group:<roomId>/<name>`.
 * `resolveChoice` turns it into the tree and subject evaluation needs, with a
 * label for sentences ("Ana", "a guest", "a member of ‘officers’").
 */
import type { PermState, Role, Subject } from '../../../perms/index.ts';
import { groupProbe, personSubject } from './perm-state.ts';
import type { KnownGroup, KnownPerson } from './perm-state.ts';

/** One choice's value (see the module comment). */
export type SubjectChoice = string;

/** The value of "yourself". */
export const SELF: SubjectChoice = 'self';

/** What the choices resolve against. */
export interface ChoiceContext {
  readonly state: PermState;
  readonly self: Subject;
  readonly people: readonly KnownPerson[];
  readonly groups: readonly KnownGroup[];
}

/** A resolved choice. */
export interface ResolvedChoice {
  readonly state: PermState;
  readonly subject: Subject;
  /** "you", "a guest", "Ana", "a member of ‘officers’". */
  readonly label: string;
}

const ROLE_LABEL: Readonly<Record<Role, string>> = { guest: 'a guest', member: 'a member', admin: 'an admin' };

/** Every choice the inspector offers, with the text shown for it. */
export function subjectChoices(ctx: Pick<ChoiceContext, 'people' | 'groups'>, selfKeyHex: string): { readonly value: SubjectChoice; readonly text: string }[] {
  return [
    { value: SELF, text: 'You' },
    ...(['guest', 'member', 'admin'] as const).map((r) => ({ value: `role:${r}`, text: ROLE_LABEL[r].replace(/^a/, 'A') })),
    ...ctx.people.filter((p) => p.keyHex !== selfKeyHex).map((p) => ({ value: `key:${p.keyHex}`, text: p.name || `identity ${p.keyHex.slice(0, 8)}…` })),
    ...ctx.groups.map((g) => ({ value: `group:${g.roomId}/${g.name}`, text: `A member of group ‘${g.name}’` })),
  ];
}

/** The tree, subject and label a choice stands for; an unknown choice reads as yourself. */
export function resolveChoice(choice: SubjectChoice, ctx: ChoiceContext): ResolvedChoice {
  if (choice.startsWith('role:')) {
    const role = choice.slice(5) as Role;
    if (role in ROLE_LABEL) return { state: ctx.state, subject: { keyHex: null, role, roomId: null }, label: ROLE_LABEL[role] };
  }
  if (choice.startsWith('key:')) {
    const p = ctx.people.find((x) => x.keyHex === choice.slice(4));
    if (p) return { state: ctx.state, subject: personSubject(p), label: p.name || `identity ${p.keyHex.slice(0, 8)}…` };
  }
  if (choice.startsWith('group:')) {
    const rest = choice.slice(6);
    const g = ctx.groups.find((x) => `${x.roomId}/${x.name}` === rest);
    if (g) return { ...groupProbe(ctx.state, g), label: `a member of ‘${g.name}’` };
  }
  return { state: ctx.state, subject: ctx.self, label: 'you' };
}
