/** fast-check generators of permission states for test/perms/: small trees so every room and subject can be checked. */
import fc from 'fast-check';
import type { GroupDef, PermRoom, PermState, Rule, Subject, Where, Who } from '../../perms/index.ts';
import { ALL } from '../../perms/index.ts';

export const KEYS = ['aa01', 'bb02', 'cc03', 'dd04'] as const;
export const GROUPS = ['pilots', 'officers', 'pw'] as const;

/** Sparse sets: a few permissions at a time, like real rules. */
export const permSet: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 15 }).map((i) => 1 << i),
  fc.integer({ min: 0, max: ALL }),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })).map(([a, b]) => (1 << a) | (1 << b)),
);

export const who: fc.Arbitrary<Who> = fc.oneof(
  fc.constant({ kind: 'everyone' } as const),
  fc.constant({ kind: 'guests' } as const),
  fc.constant({ kind: 'members' } as const),
  fc.constant({ kind: 'admins' } as const),
  fc.constantFrom(...GROUPS).map((name) => ({ kind: 'group', name }) as const),
  fc.constantFrom(...KEYS).map((keyHex) => ({ kind: 'key', keyHex }) as const),
);

export const where: fc.Arbitrary<Where> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('anywhere' as const) },
  { weight: 1, arbitrary: fc.constantFrom('in-room' as const, 'in-sub-room' as const, 'outside' as const) },
);

export const rule: fc.Arbitrary<Rule> = fc
  .record({ id: fc.stringMatching(/^[a-z0-9]{8}$/), who, where, allow: permSet, deny: permSet, here: fc.boolean(), subs: fc.boolean() })
  .map((r) => ({ ...r, label: `${r.who.kind} rule` }));

const keyList = fc.subarray([...KEYS]);

export const group: fc.Arbitrary<GroupDef> = fc
  .record({ name: fc.constantFrom(...GROUPS), inherit: fc.boolean(), inheritable: fc.boolean(), add: keyList, remove: keyList, password: fc.boolean() })
  .map(({ password, ...g }) => (password ? { ...g, password: true as const } : g));

const acl = fc.record({
  inherit: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  rules: fc.array(rule, { maxLength: 4 }),
  groups: fc.uniqueArray(group, { maxLength: 2, selector: (g) => g.name }),
});

/** A tree of 1..8 rooms: room i's parent is one of rooms 0..i-1; room 0 ("r0") is the root. */
export const state: fc.Arbitrary<PermState> = fc
  .array(fc.tuple(fc.nat(), acl), { minLength: 1, maxLength: 8 })
  .map((list) => {
    const rooms = new Map<string, PermRoom>();
    list.forEach(([p, a], i) => rooms.set(`r${i}`, { id: `r${i}`, parent: i === 0 ? '' : `r${p % i}`, acl: a }));
    return { rooms };
  });

/** A subject; `roomCount` bounds where they are. */
export function subject(roomCount = 8): fc.Arbitrary<Subject> {
  return fc.record({
    keyHex: fc.option(fc.constantFrom(...KEYS), { nil: null }),
    role: fc.constantFrom('member' as const, 'guest' as const, 'admin' as const),
    roomId: fc.option(fc.nat({ max: roomCount - 1 }).map((i) => `r${i}`), { nil: null }),
    passwordGroups: fc.subarray(GROUPS.flatMap((g) => [0, 1, 2].map((i) => `r${i}/${g}`))).map((l) => new Set(l)),
  });
}

/** The seed every property in a file runs with: printed, and replayed by PERMS_SEED=<n>. */
export function propertySeed(file: string): number {
  const seed = process.env.PERMS_SEED ? Number(process.env.PERMS_SEED) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${file}: fast-check seed ${seed} (replay: PERMS_SEED=${seed})`);
  return seed;
}
