/**
 * Bounds on one room's ACL. Everything here is something a client sends in
 * a signed op and every replica stores, so each has a limit; the sizes are
 * chosen so the largest single op fits MAX_OP_BODY_BYTES (crdt/op.ts) and a
 * fully loaded room fits a control page (test/perms/limits.test.ts checks both).
 */

/** Most rules on one room. The largest bench tree holds 100 rules over 10 levels. */
export const MAX_RULES_PER_ROOM = 32;
/** Most named groups defined on one room. */
export const MAX_GROUPS_PER_ROOM = 8;
/** Most keys one group lists, `add` and `remove` together. */
export const MAX_KEYS_PER_GROUP = 64;
/** Longest rule label, in characters (code points). */
export const MAX_LABEL_CHARS = 80;
/** Longest group name, in characters. */
export const MAX_GROUP_NAME_CHARS = 32;
/** Rule ids: 8..16 of A-Z a-z 0-9 _ - (random, chosen by the editor). */
export const RULE_ID = /^[A-Za-z0-9_-]{8,16}$/;
/** A key: the lower-case hex of a 32-byte public key. */
export const KEY_HEX = /^[0-9a-f]{64}$/;
/**
 * Largest encoded ACL of one room (its canonical JSON, UTF-8). The per-item
 * limits above allow a little more than this in the worst case; this is what
 * bounds a room record, and with {@link MAX_TREE_ACL_BYTES} the whole tree.
 */
export const MAX_ACL_BYTES = 24 * 1024;
/**
 * Largest sum of every room's encoded ACL. The tree document must stay under
 * MAX_SYNC_MESSAGE_BYTES (16 MiB, proto/sync-chunks.ts), of which room
 * records without ACLs take up to about 12 MB.
 */
export const MAX_TREE_ACL_BYTES = 2 * 1024 * 1024;
