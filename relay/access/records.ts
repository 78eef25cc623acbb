/**
 * What the relay remembers about access, per key and per invite: stored
 * roles, bans and invite records (use counts, revocations). Three tables of
 * the relay's store, loaded into memory; reads are synchronous so an
 * admission decision has no await between checking and counting a use.
 */
import { Role } from '../../proto/index.ts';
import type { Store } from '../storage/store.ts';
import type { StoreTable } from '../storage/store-table.ts';
import { isRecord } from '../../proto/bytes.ts';

/** Roles a key can hold in the store. Guests are keys without a record. */
export type StoredRole = 'admin' | 'member';

export interface RoleRecord {
  readonly role: StoredRole;
  readonly grantedAtMs: number;
  /** Who granted it: an admin's key hex, `invite:<id hex>`, or `cli`. */
  readonly grantedBy: string;
}

export interface BanRecord {
  /** Unix ms when the ban ends; 0 = until lifted. */
  readonly untilMs: number;
  readonly reason: string;
  readonly bannedAtMs: number;
  /** Admin key hex, or `cli`. */
  readonly bannedBy: string;
}

export interface InviteRecord {
  readonly role: StoredRole;
  /** 0 = never. */
  readonly expiresAtMs: number;
  /** 0 = unlimited. */
  readonly maxUses: number;
  readonly issuerHex: string;
  readonly uses: number;
  readonly revoked: boolean;
  readonly createdAtMs: number;
}

/** Most invite records kept; registering more is refused (an admin's UI cannot flood the store). */
export const MAX_INVITE_RECORDS = 1000;

/** Wire role for a stored one (and guest for none). */
export function wireRole(role: StoredRole | undefined): Role {
  return role === 'admin' ? Role.ADMIN : role === 'member' ? Role.MEMBER : Role.GUEST;
}

/** Stored role for a wire role; undefined for guest (no record). */
export function storedRole(role: Role): StoredRole | undefined {
  return role === Role.ADMIN ? 'admin' : role === Role.MEMBER ? 'member' : undefined;
}


const isStoredRole = (v: unknown): v is StoredRole => v === 'admin' || v === 'member';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseRole(v: unknown): RoleRecord | null {
  if (!isRecord(v) || !isStoredRole(v.role) || !isCount(v.grantedAtMs) || typeof v.grantedBy !== 'string') return null;
  return { role: v.role, grantedAtMs: v.grantedAtMs, grantedBy: v.grantedBy };
}

function parseBan(v: unknown): BanRecord | null {
  if (!isRecord(v) || !isCount(v.untilMs) || typeof v.reason !== 'string' || !isCount(v.bannedAtMs) || typeof v.bannedBy !== 'string') return null;
  return { untilMs: v.untilMs, reason: v.reason, bannedAtMs: v.bannedAtMs, bannedBy: v.bannedBy };
}

function parseInvite(v: unknown): InviteRecord | null {
  if (
    !isRecord(v) ||
    !isStoredRole(v.role) ||
    !isCount(v.expiresAtMs) ||
    !isCount(v.maxUses) ||
    typeof v.issuerHex !== 'string' ||
    !isCount(v.uses) ||
    typeof v.revoked !== 'boolean' ||
    !isCount(v.createdAtMs)
  ) {
    return null;
  }
  const { role, expiresAtMs, maxUses, issuerHex, uses, revoked, createdAtMs } = v;
  return { role, expiresAtMs, maxUses, issuerHex, uses, revoked, createdAtMs };
}

/**
 * One change to the access records, as an absolute value (so applying it
 * twice is applying it once): what a cluster's shared log carries
 * (relay/cluster/shared-state.ts), and what a single relay writes directly.
 */
export type AccessChange =
  | { readonly kind: 'role'; readonly keyHex: string; readonly record: RoleRecord | null }
  | { readonly kind: 'ban'; readonly keyHex: string; readonly record: BanRecord | null }
  | { readonly kind: 'invite'; readonly idHex: string; readonly record: InviteRecord };

/** Parses one {@link AccessChange} (a log entry's); null when malformed. */
export function parseAccessChange(v: unknown): AccessChange | null {
  if (!isRecord(v) || typeof v.id !== 'string' || !/^[0-9a-f]{1,128}$/.test(v.id)) return null;
  if (v.kind === 'role') {
    const record = v.record === null ? null : parseRole(v.record);
    return record === null && v.record !== null ? null : { kind: 'role', keyHex: v.id, record };
  }
  if (v.kind === 'ban') {
    const record = v.record === null ? null : parseBan(v.record);
    return record === null && v.record !== null ? null : { kind: 'ban', keyHex: v.id, record };
  }
  const invite = v.kind === 'invite' ? parseInvite(v.record) : null;
  return invite ? { kind: 'invite', idHex: v.id, record: invite } : null;
}

/** The JSON form {@link parseAccessChange} reads. */
export function accessChangeJson(c: AccessChange): { kind: string; id: string; record: unknown } {
  return { kind: c.kind, id: c.kind === 'invite' ? c.idHex : c.keyHex, record: c.record };
}

/** True while `ban` is in force at `now`. */
export function banActive(ban: BanRecord, now: number): boolean {
  return ban.untilMs === 0 || ban.untilMs > now;
}

/** Roles, bans and invites of one relay. Open with {@link AccessRecords.open}. */
export class AccessRecords {
  readonly #roles: StoreTable<RoleRecord>;
  readonly #bans: StoreTable<BanRecord>;
  readonly #invites: StoreTable<InviteRecord>;

  private constructor(roles: StoreTable<RoleRecord>, bans: StoreTable<BanRecord>, invites: StoreTable<InviteRecord>) {
    this.#roles = roles;
    this.#bans = bans;
    this.#invites = invites;
  }

  /** Loads the three tables from `store`. */
  static async open(store: Store): Promise<AccessRecords> {
    return new AccessRecords(await store.table('role', parseRole), await store.table('ban', parseBan), await store.table('invite', parseInvite));
  }

  role(keyHex: string): RoleRecord | undefined {
    return this.#roles.get(keyHex);
  }

  /** Every key with a stored role. */
  roles(): Array<[string, RoleRecord]> {
    return [...this.#roles.entries()];
  }

  /** Number of admin keys. */
  adminCount(): number {
    let n = 0;
    for (const [, r] of this.#roles.entries()) if (r.role === 'admin') n++;
    return n;
  }

  /** Stores a role (`undefined` removes it: the key becomes a guest). Resolves when durable. */
  setRole(keyHex: string, role: StoredRole | undefined, grantedBy: string, now: number): Promise<void> {
    if (role === undefined) return this.#roles.delete(keyHex, { durable: true });
    return this.#roles.set(keyHex, { role, grantedAtMs: now, grantedBy }, { durable: true });
  }

  /** The ban in force on `keyHex` at `now`, if any. An expired ban is forgotten here. */
  activeBan(keyHex: string, now: number): BanRecord | undefined {
    const ban = this.#bans.get(keyHex);
    if (!ban) return undefined;
    if (banActive(ban, now)) return ban;
    void this.#bans.delete(keyHex);
    return undefined;
  }

  /** Bans in force at `now` (expired ones are forgotten). */
  bans(now: number): Array<[string, BanRecord]> {
    const out: Array<[string, BanRecord]> = [];
    for (const [key, ban] of [...this.#bans.entries()]) {
      if (banActive(ban, now)) out.push([key, ban]);
      else void this.#bans.delete(key);
    }
    return out;
  }

  /** The stored ban of `keyHex`, in force or not. */
  storedBan(keyHex: string): BanRecord | undefined {
    return this.#bans.get(keyHex);
  }

  /** Lifts a ban; false when there was none. */
  async liftBan(keyHex: string): Promise<boolean> {
    if (!this.#bans.get(keyHex)) return false;
    await this.#bans.delete(keyHex, { durable: true });
    return true;
  }

  invite(idHex: string): InviteRecord | undefined {
    return this.#invites.get(idHex);
  }

  invites(): Array<[string, InviteRecord]> {
    return [...this.#invites.entries()];
  }

  get inviteCount(): number {
    return this.#invites.size;
  }

  /** Writes `changes`; every write enters the store's queue in this tick (the next read sees them). Resolves when durable. */
  async apply(changes: readonly AccessChange[]): Promise<void> {
    await Promise.all(
      changes.map((c) => {
        if (c.kind === 'invite') return this.#invites.set(c.idHex, c.record, { durable: true });
        if (c.kind === 'role') return c.record ? this.#roles.set(c.keyHex, c.record, { durable: true }) : this.#roles.delete(c.keyHex, { durable: true });
        return c.record ? this.#bans.set(c.keyHex, c.record, { durable: true }) : this.#bans.delete(c.keyHex, { durable: true });
      }),
    );
  }
}
