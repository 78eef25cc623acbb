/**
 * The ACL limits (perms/limits.ts) against the frame and op limits: the
 * largest rule and group ops fit MAX_OP_BODY_BYTES, a room at its ACL limit
 * fits one control page, and every room's ACL together leaves the tree
 * document under the largest sync message a client joins.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeOpBody, MAX_OP_BODY_BYTES, MAX_ROOMS, readRooms, writeRooms } from '../../crdt/index.ts';
import type { OpIntent, Rooms } from '../../crdt/index.ts';
import { aclBytes, ALL, encodeGroup, encodeRule, MAX_ACL_BYTES, MAX_GROUP_NAME_CHARS, MAX_GROUPS_PER_ROOM, MAX_KEYS_PER_GROUP, MAX_LABEL_CHARS, MAX_RULES_PER_ROOM, MAX_TREE_ACL_BYTES, parseAcl } from '../../perms/index.ts';
import type { GroupDef, Rule } from '../../perms/index.ts';
import { PAGE_ITEMS_BUDGET_BYTES } from '../../proto/frame-limits.ts';
import { MAX_SYNC_MESSAGE_BYTES } from '../../proto/sync-chunks.ts';

const wide = '\u{1D11E}'; // 4 bytes of UTF-8, the worst case per character
const keyHex = (i: number) => i.toString(16).padStart(64, 'f');
const roomId = 'r'.repeat(32);
const biggestRule = (i: number): Rule => ({ id: `${String(i).padStart(16, 'x')}`, label: wide.repeat(MAX_LABEL_CHARS), who: { kind: 'key', keyHex: keyHex(i) }, where: 'in-sub-room', allow: ALL, deny: ALL, here: false, subs: false });
const biggestGroup = (i: number): GroupDef => ({ name: `${wide.repeat(MAX_GROUP_NAME_CHARS - 1)}${i}`, inherit: false, inheritable: false, add: Array.from({ length: MAX_KEYS_PER_GROUP }, (_, k) => keyHex(i * 1000 + k)), remove: [], password: true });
const body = (intent: OpIntent) => encodeOpBody({ ...intent, relayKey: new Uint8Array(32), opId: new Uint8Array(16), author: new Uint8Array(32), seq: 0xffff_ffff, clientTimeMs: Number.MAX_SAFE_INTEGER });

describe('ACL limits', () => {
  it('the largest rule and group ops fit an op body', () => {
    expect(body({ kind: 'acl.rule.put', args: { roomId, rule: encodeRule(biggestRule(1)) } }).byteLength).toBeLessThanOrEqual(MAX_OP_BODY_BYTES);
    const group = body({ kind: 'acl.group.put', args: { roomId, group: encodeGroup(biggestGroup(1)) } }).byteLength;
    expect(group).toBeLessThanOrEqual(MAX_OP_BODY_BYTES);
    // The raise from 2 KiB is for this op only.
    expect(group).toBeGreaterThan(2048);
  });

  it('a room at its limits is cut by MAX_ACL_BYTES, and a room at that size fits one control page', () => {
    const full = { inherit: true, rules: Array.from({ length: MAX_RULES_PER_ROOM }, (_, i) => biggestRule(i)), groups: Array.from({ length: MAX_GROUPS_PER_ROOM }, (_, i) => biggestGroup(i)) };
    expect(aclBytes(full)).toBeGreaterThan(MAX_ACL_BYTES);
    expect(parseAcl(JSON.parse(JSON.stringify(full))).ok).toBe(false);
    // What can be stored: as many of the largest rules and groups as fit MAX_ACL_BYTES.
    const rules = full.rules.filter((_, i) => aclBytes({ inherit: true, rules: full.rules.slice(0, i + 1), groups: [] }) <= MAX_ACL_BYTES - 12 * 1024);
    const groups = full.groups.filter((_, i) => aclBytes({ inherit: true, rules, groups: full.groups.slice(0, i + 1) }) <= MAX_ACL_BYTES);
    const stored = { inherit: true, rules, groups };
    expect(parseAcl(JSON.parse(JSON.stringify(stored))).ok).toBe(true);
    const rooms: Rooms = new Map([['root', { id: 'root', name: wide.repeat(64), parent: '', position: 0, description: wide.repeat(500), userLimit: 0, voiceId: 1, acl: stored }]]);
    const doc = new Y.Doc();
    writeRooms(doc, rooms, ['root'], null);
    expect(readRooms(doc).get('root')!.acl).toEqual(stored);
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThanOrEqual(PAGE_ITEMS_BUDGET_BYTES);
  });

  it('every room at its largest record plus every ACL stays under the largest sync message', () => {
    const recordBytes = 32 + 64 * 4 + 500 * 4 + 32 + 64; // ids, name, description, parent, numbers and Yjs overhead
    expect(MAX_ROOMS * recordBytes + MAX_TREE_ACL_BYTES).toBeLessThan(MAX_SYNC_MESSAGE_BYTES);
  });
});
