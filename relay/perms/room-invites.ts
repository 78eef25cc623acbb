/**
 * Signed room invites (proto/room-invite.ts), relay side: what makes one
 * good, and its use count. A good invite parses, is for this relay, verifies
 * against its issuer's key, its issuer may make invites now (`invite`, which
 * is server-wide, and sees the room), its room still has the named token
 * group, it has not expired and has uses left. Uses are counted durably per
 * invite id (a table of the relay's store), so a restart does not reset them.
 * The relay keeps nothing else: the link carries the rest.
 */
import { decodeRoomInvite, ErrorCode, roomInviteSigningBytes } from '../../proto/index.ts';
import type { RoomInvite } from '../../proto/index.ts';
import { sameBytes, toHex } from '../../proto/bytes.ts';
import { verifyEd25519 } from '../access/ed25519.ts';
import type { Store } from '../storage/store.ts';
import type { StoreTable } from '../storage/store-table.ts';

/** What {@link RoomInvites.check} asks of the relay. */
export interface RoomInviteContext {
  readonly relayPublicKey: Uint8Array;
  readonly now: number;
  /** Whether the key (hex) may make invites for `roomId` now. */
  readonly mayInvite: (issuerHex: string, roomId: string) => boolean;
  /** Whether `roomId` has a token group (`password: true`) named `group`. */
  readonly hasTokenGroup: (roomId: string, group: string) => boolean;
  /** Whether the redeeming key already holds `groupKey` (then no use is left needed: redeeming again costs nothing). */
  readonly holds: (groupKey: string) => boolean;
}

/** A checked invite: the group key (`${roomId}/${group}`) it admits to. */
export type CheckedRoomInvite =
  | { readonly ok: true; readonly invite: RoomInvite; readonly idHex: string; readonly groupKey: string }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const parseUses = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** See the module comment. */
export class RoomInvites {
  readonly #uses: StoreTable<number>;

  private constructor(uses: StoreTable<number>) {
    this.#uses = uses;
  }

  static async open(store: Store): Promise<RoomInvites> {
    return new RoomInvites(await store.table('room-invite-use', parseUses));
  }

  /** Times invite `idHex` was used. */
  uses(idHex: string): number {
    return this.#uses.get(idHex) ?? 0;
  }

  /** Checks `bytes` against the relay now. Never throws. */
  check(bytes: Uint8Array, ctx: RoomInviteContext): CheckedRoomInvite {
    const bad = (message: string): CheckedRoomInvite => ({ ok: false, code: ErrorCode.ROOM_INVITE_INVALID, message });
    const decoded = decodeRoomInvite(bytes);
    if (!decoded.ok) return bad(`room invite does not parse (${decoded.error.code})`);
    const invite = decoded.value;
    if (!sameBytes(invite.relayPublicKey, ctx.relayPublicKey)) return bad('room invite is for another relay');
    if (!verifyEd25519(invite.issuerKey, roomInviteSigningBytes(invite), invite.signature)) return bad('room invite signature does not verify');
    if (!ctx.mayInvite(toHex(invite.issuerKey), invite.roomId)) return bad('the room invite\'s issuer may not make invites');
    if (!ctx.hasTokenGroup(invite.roomId, invite.group)) return bad('the room invite\'s room or group is gone');
    if (invite.expiresAtMs !== 0 && invite.expiresAtMs <= ctx.now) return { ok: false, code: ErrorCode.ROOM_INVITE_EXPIRED, message: 'room invite expired' };
    const idHex = toHex(invite.id);
    const groupKey = `${invite.roomId}/${invite.group}`;
    if (invite.maxUses !== 0 && this.uses(idHex) >= invite.maxUses && !ctx.holds(groupKey)) return { ok: false, code: ErrorCode.ROOM_INVITE_USED_UP, message: 'room invite has no uses left' };
    return { ok: true, invite, idHex, groupKey };
  }

  /**
   * Counts one use, in memory at once (so two redemptions in one tick cannot
   * both take the last use) and on disk when it resolves.
   */
  use(idHex: string): Promise<void> {
    return this.#uses.set(idHex, this.uses(idHex) + 1, { durable: true });
  }

  /** Sets the use count (absolute: a cluster applies its writer's count from the log, so applying twice changes nothing). */
  setUses(idHex: string, uses: number): Promise<void> {
    return this.#uses.set(idHex, uses, { durable: true });
  }
}
