/**
 * The permissions scenario of bench:ops: a chain of 10 rooms under the root
 * with 10 rules each (100 in all: everyone, guests, members, named groups and
 * single keys, allows and denies, here and below) and two named groups, and
 * a member allowed to edit rooms by a rule on the top room. Every op that
 * member signs is authorised by evaluate over the whole chain.
 */
import { performance } from 'node:perf_hooks';
import { applyOp, ROOT_ID, validateOp } from '../../crdt/index.ts';
import type { OpIntent, Rooms, SignedOp } from '../../crdt/index.ts';
import { defaultAcl, encodeGroup, encodeRule, setOf } from '../../perms/index.ts';
import type { GroupDef, Rule, Who } from '../../perms/index.ts';

const DEPTH = 10;
const RULES_PER_ROOM = 10;
const RENAMES = Number(process.env.BENCH_PERMS_RENAMES ?? 20_000);

/** The scenario's ops: the admin's set-up and the member's renames. */
export interface PermsTree {
  readonly depth: number;
  readonly rules: number;
  readonly setup: readonly OpIntent[];
  readonly renames: readonly OpIntent[];
  readonly memberHex: string;
}

const other = (i: number) => (i + 1).toString(16).padStart(64, '0');

/** Builds the scenario for the member with key `memberHex`. */
export function permsTree(memberHex: string): PermsTree {
  const setup: OpIntent[] = [];
  let parent = ROOT_ID;
  for (let d = 0; d < DEPTH; d++) {
    const roomId = `p${d}`;
    setup.push({ kind: 'room.create', args: { roomId, parentId: parent, name: `Level ${d}`, index: 0, description: '', userLimit: 0 } });
    const groups: GroupDef[] = [
      { name: 'pilots', inherit: true, inheritable: true, add: [other(d), ...(d % 3 === 0 ? [memberHex] : [])], remove: [] },
      { name: 'officers', inherit: d % 2 === 0, inheritable: true, add: [other(d + 50)], remove: d % 4 === 1 ? [memberHex] : [] },
    ];
    for (const g of groups) setup.push({ kind: 'acl.group.put', args: { roomId, group: encodeGroup(g) } });
    const whos: Who[] = [{ kind: 'everyone' }, { kind: 'guests' }, { kind: 'members' }, { kind: 'group', name: 'pilots' }, { kind: 'group', name: 'officers' }, { kind: 'key', keyHex: other(d + 100) }];
    for (let r = 0; r < RULES_PER_ROOM; r++) {
      const rule: Rule = d === 0 && r === 0
        ? { id: 'editors-top', label: 'bench member edits rooms', who: { kind: 'key', keyHex: memberHex }, where: 'anywhere', allow: setOf('edit-room'), deny: 0, here: true, subs: true }
        : { id: `rule-${d}-${r}`, label: `level ${d} rule ${r}`, who: whos[(d + r) % whos.length]!, where: r === 7 ? 'in-room' : 'anywhere', allow: setOf(r % 2 ? 'text' : 'speak', 'whisper'), deny: r % 3 === 0 ? setOf('share-files') : 0, here: r % 4 !== 3, subs: r % 5 !== 4 };
      setup.push({ kind: 'acl.rule.put', args: { roomId, rule: encodeRule(rule) } });
    }
    parent = roomId;
  }
  const renames: OpIntent[] = Array.from({ length: RENAMES }, (_, i) => ({ kind: 'room.rename', args: { roomId: `p${DEPTH - 1 - (i % 3)}`, name: `Deep ${i % 3} v${Math.floor(i / 3)}` } }));
  return { depth: DEPTH, rules: DEPTH * RULES_PER_ROOM, setup, renames, memberHex };
}

/** Runs the scenario through the relay: set-up by the admin, then the member's renames timed. */
export async function permsThroughput(
  tree: PermsTree,
  signAdmin: (i: OpIntent) => SignedOp,
  signMember: (i: OpIntent) => SignedOp,
  submit: (who: 'admin' | 'member', ops: SignedOp[]) => Promise<number>,
): Promise<{ permsValidatedOpsPerSec: number; permsRenames: number }> {
  await submit('admin', tree.setup.map(signAdmin));
  const ops = tree.renames.map(signMember);
  const ms = await submit('member', ops);
  return { permsValidatedOpsPerSec: Math.round((ops.length / ms) * 1000), permsRenames: ops.length };
}

/** validateOp alone (authorise with evaluate, then invariants) on the scenario's tree, in this process. */
export function validateOnlyOpsPerSec(tree: PermsTree): number {
  const rooms: Rooms = new Map([[ROOT_ID, { id: ROOT_ID, name: 'Root', parent: '', position: 0, description: '', userLimit: 0, voiceId: 1, acl: defaultAcl(true) }]]);
  const admin = { keyHex: 'a'.repeat(64), role: 'admin' as const };
  for (const op of tree.setup) {
    const refused = validateOp(rooms, admin, op, { occupancy: () => 0 });
    if (refused) throw new Error(`set-up op refused: ${refused.reason}`);
    applyOp(rooms, op, () => 1);
  }
  const member = { keyHex: tree.memberHex, role: 'member' as const, roomId: `p${tree.depth - 1}` };
  const n = tree.renames.length;
  const t0 = performance.now();
  for (const op of tree.renames) if (validateOp(rooms, member, op, { occupancy: () => 0 })) throw new Error('rename refused');
  return Math.round((n / (performance.now() - t0)) * 1000);
}
