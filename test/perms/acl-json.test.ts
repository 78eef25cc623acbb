/**
 * The ACL JSON codec (perms/acl-json.ts) as properties: every valid rule,
 * group and ACL round-trips through its canonical text; arbitrary text and
 * arbitrary JSON never throw and, when accepted, are canonical; truncations
 * are refused; limits are enforced. The seed is printed; PERMS_SEED replays it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aclJson, decodeGroup, decodeRule, encodeGroup, encodeRule, MAX_KEYS_PER_GROUP, MAX_RULES_PER_ROOM, parseAcl, parseGroup, parseRule } from '../../perms/index.ts';
import type { GroupDef, Rule } from '../../perms/index.ts';
import { propertySeed } from './arbitraries.ts';

const seed = propertySeed('acl-json');
const params = { seed, numRuns: 300 };
const key = fc.stringMatching(/^[0-9a-f]{64}$/);
const label = fc.string({ maxLength: 80, unit: 'grapheme-ascii' }).map((s) => s.trim());
const set = fc.integer({ min: 0, max: 0xffff });
const who = fc.oneof(
  fc.constantFrom({ kind: 'everyone' } as const, { kind: 'guests' } as const, { kind: 'members' } as const, { kind: 'admins' } as const),
  fc.stringMatching(/^[a-z][a-z0-9 ]{0,30}[a-z0-9]$/).map((name) => ({ kind: 'group', name }) as const),
  key.map((keyHex) => ({ kind: 'key', keyHex }) as const),
);
const rule: fc.Arbitrary<Rule> = fc.record({
  id: fc.stringMatching(/^[A-Za-z0-9_-]{8,16}$/), label, who,
  where: fc.constantFrom('anywhere' as const, 'in-room' as const, 'in-sub-room' as const, 'outside' as const),
  allow: set, deny: set, here: fc.boolean(), subs: fc.boolean(),
});
const group: fc.Arbitrary<GroupDef> = fc
  .record({ name: fc.stringMatching(/^[a-z]{1,32}$/), inherit: fc.boolean(), inheritable: fc.boolean(), add: fc.uniqueArray(key, { maxLength: 10 }), remove: fc.uniqueArray(key, { maxLength: 10 }), password: fc.boolean() })
  .map(({ password, ...g }) => (password ? { ...g, password: true as const } : g));

describe('ACL JSON', () => {
  it('round-trips rules and groups through their canonical text', () => {
    fc.assert(fc.property(rule, (r) => {
      expect(decodeRule(encodeRule(r))).toEqual({ ok: true, value: r });
    }), params);
    fc.assert(fc.property(group, (g) => {
      expect(decodeGroup(encodeGroup(g))).toEqual({ ok: true, value: g });
    }), params);
  });

  it('round-trips a whole ACL through the stored JSON', () => {
    fc.assert(fc.property(fc.boolean(), fc.uniqueArray(rule, { maxLength: 6, selector: (r) => r.id }), fc.uniqueArray(group, { maxLength: 3, selector: (g) => g.name }), (inherit, rules, groups) => {
      const acl = { inherit, rules, groups };
      expect(parseAcl(JSON.parse(JSON.stringify(aclJson(acl))))).toEqual({ ok: true, value: acl });
    }), params);
  });

  it('never throws on arbitrary text or JSON, and accepts only canonical text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      const r = decodeRule(s);
      if (r.ok) expect(encodeRule(r.value)).toBe(s);
      const g = decodeGroup(s);
      if (g.ok) expect(encodeGroup(g.value)).toBe(s);
    }), params);
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      parseRule(v);
      parseGroup(v);
      parseAcl(v);
    }), params);
  });

  it('refuses every truncation and a re-ordered or padded encoding', () => {
    fc.assert(fc.property(rule, fc.nat(), (r, cut) => {
      const s = encodeRule(r);
      expect(decodeRule(s.slice(0, cut % s.length)).ok).toBe(false);
      expect(decodeRule(` ${s}`)).toEqual({ ok: false, reason: 'not the canonical encoding' });
    }), params);
    const r: Rule = { id: 'abcdefgh', label: 'x', who: { kind: 'everyone' }, where: 'anywhere', allow: 1, deny: 0, here: true, subs: true };
    const { id, ...rest } = JSON.parse(encodeRule(r)) as Record<string, unknown>;
    expect(decodeRule(JSON.stringify({ ...rest, id })).ok).toBe(false);
  });

  it('refuses out-of-range values and over-limit lists', () => {
    const ok: Rule = { id: 'abcdefgh', label: 'x', who: { kind: 'everyone' }, where: 'anywhere', allow: 1, deny: 0, here: true, subs: true };
    for (const bad of [{ ...ok, id: 'short' }, { ...ok, allow: 0x10000 }, { ...ok, deny: -1 }, { ...ok, label: 'x'.repeat(81) }, { ...ok, label: 'a\u202eb' }, { ...ok, who: { kind: 'key', keyHex: 'AB' } }, { ...ok, where: 'nowhere' }, { ...ok, extra: 1 }]) {
      expect(parseRule(bad).ok).toBe(false);
    }
    const k = (i: number) => i.toString(16).padStart(64, '0');
    expect(parseGroup({ name: 'g', inherit: true, inheritable: true, add: Array.from({ length: MAX_KEYS_PER_GROUP + 1 }, (_, i) => k(i)), remove: [] }).ok).toBe(false);
    expect(parseGroup({ name: 'g', inherit: true, inheritable: true, add: [k(1), k(1)], remove: [] }).ok).toBe(false);
    expect(parseAcl({ inherit: true, rules: Array.from({ length: MAX_RULES_PER_ROOM + 1 }, (_, i) => ({ ...ok, id: `rule${String(i).padStart(4, '0')}` })), groups: [] }).ok).toBe(false);
    expect(parseAcl({ inherit: true, rules: [ok, ok], groups: [] })).toEqual({ ok: false, reason: 'rule id abcdefgh twice' });
  });
});
