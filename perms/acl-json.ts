/**
 * The one JSON form of rules, groups and room ACLs: what ops carry and what
 * the tree document stores. Encoding is canonical (fixed key order, sets as
 * numbers), and parsing accepts only well-shaped values within perms/limits.ts,
 * never throws, and says what is wrong. Unknown group names and keys nobody
 * holds are valid here (lint.ts flags them): a group may be defined later, a
 * key may sign in later.
 */
import { ALL } from './permission.ts';
import type { GroupDef, RoomAcl, Rule, Where, Who } from './model.ts';
import { KEY_HEX, MAX_ACL_BYTES, MAX_GROUP_NAME_CHARS, MAX_GROUPS_PER_ROOM, MAX_KEYS_PER_GROUP, MAX_LABEL_CHARS, MAX_RULES_PER_ROOM, RULE_ID } from './limits.ts';

/** A parse result: the value, or why not. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const WHERE: readonly Where[] = ['anywhere', 'in-room', 'in-sub-room', 'outside'];
// Control characters and bidi/line separators never belong in a label or a group name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function hasOnly(o: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(o).every((k) => keys.includes(k));
}

function isSet(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= ALL;
}

function text(v: unknown, max: number, allowEmpty: boolean): v is string {
  return typeof v === 'string' && (allowEmpty || v.length > 0) && [...v].length <= max && !CONTROL.test(v) && v.trim() === v;
}

/** Whether `name` may name a group. */
export function isGroupName(name: unknown): name is string {
  return text(name, MAX_GROUP_NAME_CHARS, false);
}

function parseWho(v: unknown): Parsed<Who> {
  if (!isObject(v) || typeof v.kind !== 'string') return fail('who must be an object with a kind');
  switch (v.kind) {
    case 'everyone':
    case 'guests':
    case 'members':
    case 'admins':
      return hasOnly(v, ['kind']) ? { ok: true, value: { kind: v.kind } } : fail('unexpected fields in who');
    case 'group':
      if (!hasOnly(v, ['kind', 'name']) || !isGroupName(v.name)) return fail(`a group name is 1..${MAX_GROUP_NAME_CHARS} characters without control characters`);
      return { ok: true, value: { kind: 'group', name: v.name } };
    case 'key':
      if (!hasOnly(v, ['kind', 'keyHex']) || typeof v.keyHex !== 'string' || !KEY_HEX.test(v.keyHex)) return fail('a key is 64 lower-case hex digits');
      return { ok: true, value: { kind: 'key', keyHex: v.keyHex } };
    default:
      return fail('unknown who kind');
  }
}

const RULE_KEYS = ['id', 'label', 'who', 'where', 'allow', 'deny', 'here', 'subs'] as const;

/** A rule from parsed JSON. */
export function parseRule(v: unknown): Parsed<Rule> {
  if (!isObject(v) || !hasOnly(v, RULE_KEYS)) return fail('a rule has exactly id, label, who, where, allow, deny, here, subs');
  if (typeof v.id !== 'string' || !RULE_ID.test(v.id)) return fail('rule ids are 8..16 of A-Z a-z 0-9 _ -');
  if (!text(v.label, MAX_LABEL_CHARS, true)) return fail(`labels are at most ${MAX_LABEL_CHARS} characters without control characters or outer spaces`);
  const who = parseWho(v.who);
  if (!who.ok) return who;
  if (!WHERE.includes(v.where as Where)) return fail('where is anywhere, in-room, in-sub-room or outside');
  if (!isSet(v.allow) || !isSet(v.deny)) return fail('allow and deny are permission sets');
  if (typeof v.here !== 'boolean' || typeof v.subs !== 'boolean') return fail('here and subs are booleans');
  return { ok: true, value: { id: v.id, label: v.label, who: who.value, where: v.where as Where, allow: v.allow, deny: v.deny, here: v.here, subs: v.subs } };
}

function keyList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((k) => typeof k === 'string' && KEY_HEX.test(k)) && new Set(v).size === v.length;
}

/** A group definition from parsed JSON. */
export function parseGroup(v: unknown): Parsed<GroupDef> {
  if (!isObject(v) || !hasOnly(v, ['name', 'inherit', 'inheritable', 'add', 'remove', 'password'])) return fail('a group has name, inherit, inheritable, add, remove and optionally password');
  if (!isGroupName(v.name)) return fail(`a group name is 1..${MAX_GROUP_NAME_CHARS} characters without control characters`);
  if (typeof v.inherit !== 'boolean' || typeof v.inheritable !== 'boolean') return fail('inherit and inheritable are booleans');
  if (!keyList(v.add) || !keyList(v.remove)) return fail('add and remove are lists of distinct 64-hex-digit keys');
  if (v.add.length + v.remove.length > MAX_KEYS_PER_GROUP) return fail(`a group lists at most ${MAX_KEYS_PER_GROUP} keys`);
  if (v.password !== undefined && v.password !== true) return fail('password is true or absent');
  const base = { name: v.name, inherit: v.inherit, inheritable: v.inheritable, add: v.add, remove: v.remove };
  return { ok: true, value: v.password ? { ...base, password: true } : base };
}

/** A room ACL from parsed JSON, within every limit. */
export function parseAcl(v: unknown): Parsed<RoomAcl> {
  if (!isObject(v) || !hasOnly(v, ['inherit', 'rules', 'groups']) || typeof v.inherit !== 'boolean' || !Array.isArray(v.rules) || !Array.isArray(v.groups)) {
    return fail('an ACL has inherit, rules and groups');
  }
  if (v.rules.length > MAX_RULES_PER_ROOM) return fail(`at most ${MAX_RULES_PER_ROOM} rules per room`);
  if (v.groups.length > MAX_GROUPS_PER_ROOM) return fail(`at most ${MAX_GROUPS_PER_ROOM} groups per room`);
  const rules: Rule[] = [];
  for (const r of v.rules) {
    const p = parseRule(r);
    if (!p.ok) return p;
    if (rules.some((x) => x.id === p.value.id)) return fail(`rule id ${p.value.id} twice`);
    rules.push(p.value);
  }
  const groups: GroupDef[] = [];
  for (const g of v.groups) {
    const p = parseGroup(g);
    if (!p.ok) return p;
    if (groups.some((x) => x.name === p.value.name)) return fail(`group ${p.value.name} twice`);
    groups.push(p.value);
  }
  const acl = { inherit: v.inherit, rules, groups };
  if (aclBytes(acl) > MAX_ACL_BYTES) return fail(`an ACL is at most ${MAX_ACL_BYTES} bytes`);
  return { ok: true, value: acl };
}

function whoJson(w: Who): unknown {
  switch (w.kind) {
    case 'group':
      return { kind: w.kind, name: w.name };
    case 'key':
      return { kind: w.kind, keyHex: w.keyHex };
    default:
      return { kind: w.kind };
  }
}

/** A rule as plain JSON with its keys in canonical order. */
export function ruleJson(r: Rule): unknown {
  return { id: r.id, label: r.label, who: whoJson(r.who), where: r.where, allow: r.allow, deny: r.deny, here: r.here, subs: r.subs };
}

/** A group as plain JSON with its keys in canonical order. */
export function groupJson(g: GroupDef): unknown {
  const base = { name: g.name, inherit: g.inherit, inheritable: g.inheritable, add: [...g.add], remove: [...g.remove] };
  return g.password ? { ...base, password: true } : base;
}

/** A room ACL as plain JSON (canonical key order): what the tree document stores. */
export function aclJson(a: RoomAcl): { inherit: boolean; rules: unknown[]; groups: unknown[] } {
  return { inherit: a.inherit, rules: a.rules.map(ruleJson), groups: a.groups.map(groupJson) };
}

/** The canonical text of a rule (what `acl.rule.put` carries). */
export function encodeRule(r: Rule): string {
  return JSON.stringify(ruleJson(r));
}

/** The canonical text of a group (what `acl.group.put` carries). */
export function encodeGroup(g: GroupDef): string {
  return JSON.stringify(groupJson(g));
}

const utf8 = new TextEncoder();
const sizes = new WeakMap<RoomAcl, number>();

/** Bytes of an ACL's canonical JSON (cached per ACL object: ACLs are immutable). */
export function aclBytes(a: RoomAcl): number {
  let n = sizes.get(a);
  if (n === undefined) {
    n = utf8.encode(JSON.stringify(aclJson(a))).byteLength;
    sizes.set(a, n);
  }
  return n;
}

function parseCanonical<T>(s: string, parse: (v: unknown) => Parsed<T>, encode: (v: T) => string): Parsed<T> {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return fail('not JSON');
  }
  const p = parse(v);
  if (!p.ok) return p;
  return encode(p.value) === s ? p : fail('not the canonical encoding');
}

/** A rule from an op's text: valid and canonical, or why not. Never throws. */
export function decodeRule(s: string): Parsed<Rule> {
  return parseCanonical(s, parseRule, encodeRule);
}

/** A group from an op's text: valid and canonical, or why not. Never throws. */
export function decodeGroup(s: string): Parsed<GroupDef> {
  return parseCanonical(s, parseGroup, encodeGroup);
}
