/**
 * Room passwords (issue 15), as in Mumble a secret group the room's rules
 * admit: the relay keeps, per `${roomId}/${group}`, only a salted scrypt
 * hash (relay/access/password.ts) in its own store, never in a replicated
 * document; and per key, the password groups it was admitted to, so a later
 * join of the same key needs no password. Two tables of the relay's store.
 * A redeemed room invite (room-invites.ts) admits to the same kind of group
 * by token; those grants are a third table, so changing a room's password
 * does not end what invites admitted (revoke an invite group by deleting it).
 */
import { hashPassword, verifyPassword } from '../access/password.ts';
import type { PasswordHash } from '../access/password.ts';
import { fromHex, isRecord, toHex } from '../../proto/bytes.ts';
import type { Store } from '../storage/store.ts';
import type { StoreTable } from '../storage/store-table.ts';

/** Most password groups one key is remembered in (oldest dropped first). */
export const MAX_GRANTS_PER_KEY = 256;

/** A stored password hash (hex): what the relay keeps and, in a cluster, what the state log carries (never a client). */
export interface StoredHash {
  readonly salt: string;
  readonly hash: string;
}

const HEX = /^[0-9a-f]{2,256}$/;

/** A {@link StoredHash} from untrusted JSON, or null. */
export function parseStoredHash(v: unknown): StoredHash | null {
  return isRecord(v) && typeof v.salt === 'string' && typeof v.hash === 'string' && HEX.test(v.salt) && HEX.test(v.hash) ? { salt: v.salt, hash: v.hash } : null;
}

function parseGrants(v: unknown): string[] | null {
  return Array.isArray(v) && v.every((g) => typeof g === 'string' && g.length <= 200) ? (v as string[]).slice(-MAX_GRANTS_PER_KEY) : null;
}

/** Password hashes by group and the groups each key holds. */
export class RoomPasswords {
  readonly #hashes: StoreTable<StoredHash>;
  readonly #grants: StoreTable<string[]>;
  readonly #invited: StoreTable<string[]>;
  readonly #sets = new Map<string, ReadonlySet<string>>();

  private constructor(hashes: StoreTable<StoredHash>, grants: StoreTable<string[]>, invited: StoreTable<string[]>) {
    this.#hashes = hashes;
    this.#grants = grants;
    this.#invited = invited;
  }

  static async open(store: Store): Promise<RoomPasswords> {
    return new RoomPasswords(await store.table('room-password', parseStoredHash), await store.table('room-grant', parseGrants), await store.table('room-invite-grant', parseGrants));
  }

  /** Whether `${roomId}/${group}` has a password set. */
  has(groupKey: string): boolean {
    return this.#hashes.get(groupKey) !== undefined;
  }

  /** Sets (or with '' clears) the password of a group; durable when it resolves. Grants already given stay until the password changes. */
  async set(groupKey: string, password: string): Promise<void> {
    await this.setHash(groupKey, await RoomPasswords.hash(password));
  }

  /** The hash to store for `password` (null for '': no password). Salted, so two hashes of one password differ. */
  static async hash(password: string): Promise<StoredHash | null> {
    if (password === '') return null;
    const h: PasswordHash = await hashPassword(password);
    return { salt: toHex(h.salt), hash: toHex(h.hash) };
  }

  /** Stores (or with null clears) a group's hash, durably, ending the grants of the password it replaces. */
  async setHash(groupKey: string, stored: StoredHash | null): Promise<void> {
    if (stored === null) await this.#hashes.delete(groupKey, { durable: true });
    else await this.#hashes.set(groupKey, stored, { durable: true });
    // A new or cleared password ends what the old one admitted.
    for (const [keyHex, groups] of [...this.#grants.entries()]) {
      if (groups.includes(groupKey)) this.#store(keyHex, groups.filter((g) => g !== groupKey));
    }
  }

  /** Whether `offered` is the password of `groupKey` (constant-time compare; false when none is set). */
  async matches(groupKey: string, offered: string): Promise<boolean> {
    return (await this.match(groupKey, offered)) !== null;
  }

  /** The salt (hex) of the hash `offered` matched, or null: names which password admitted, so a grant can be refused once it changed. */
  async match(groupKey: string, offered: string): Promise<string | null> {
    const stored = this.#hashes.get(groupKey);
    if (!stored) return null;
    return (await verifyPassword({ salt: fromHex(stored.salt), hash: fromHex(stored.hash) }, offered)) ? stored.salt : null;
  }

  /** The salt (hex) of the group's current hash, or null when it has no password. */
  saltOf(groupKey: string): string | null {
    return this.#hashes.get(groupKey)?.salt ?? null;
  }

  /** Remembers, durably, that a password admitted `keyHex` to `groupKey` (a cluster applies grants from its log). */
  async grantDurable(keyHex: string, groupKey: string): Promise<void> {
    const groups = this.#grants.get(keyHex) ?? [];
    if (groups.includes(groupKey)) return;
    this.#sets.delete(keyHex);
    await this.#grants.set(keyHex, [...groups, groupKey].slice(-MAX_GRANTS_PER_KEY), { durable: true });
  }

  /** The token groups `keyHex` was admitted to, by password or by invite (the Subject's `passwordGroups`). */
  grantsOf(keyHex: string): ReadonlySet<string> {
    let set = this.#sets.get(keyHex);
    if (!set) {
      set = new Set([...(this.#grants.get(keyHex) ?? []), ...(this.#invited.get(keyHex) ?? [])]);
      this.#sets.set(keyHex, set);
    }
    return set;
  }

  /** Remembers, durably, that a room invite admitted `keyHex` to `groupKey`. */
  async grantByInvite(keyHex: string, groupKey: string): Promise<void> {
    const groups = this.#invited.get(keyHex) ?? [];
    if (groups.includes(groupKey)) return;
    this.#sets.delete(keyHex);
    await this.#invited.set(keyHex, [...groups, groupKey].slice(-MAX_GRANTS_PER_KEY), { durable: true });
  }

  /** Remembers that `keyHex` holds `groupKey`. */
  grant(keyHex: string, groupKey: string): void {
    const groups = this.#grants.get(keyHex) ?? [];
    if (groups.includes(groupKey)) return;
    this.#store(keyHex, [...groups, groupKey].slice(-MAX_GRANTS_PER_KEY));
  }

  #store(keyHex: string, groups: string[]): void {
    this.#sets.delete(keyHex);
    if (groups.length === 0) void this.#grants.delete(keyHex);
    else void this.#grants.set(keyHex, groups);
  }
}
