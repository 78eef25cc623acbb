/**
 * Which relay should hold a room (decision D123): the pure rule behind room
 * placement (room-placement.ts runs it against NATS). A room's lease is held
 * by one relay, and the other relays steer their clients in that room to it,
 * so a room's voice stays on one relay and cross-relay copies are the
 * exception.
 *
 * - A relay may hold leases only if clients can be sent to it (it has a
 *   public URL): "eligible".
 * - A free lease is taken by the eligible relay with the most members of the
 *   room (ties: the smallest relay id), or, when the views of the relays
 *   disagree and nobody took it for {@link FREE_ROUNDS_BEFORE_ANY} rounds, by
 *   any eligible relay with members (create() lets exactly one win).
 * - The holder renews while it has members in the room and releases it when
 *   it has none.
 * - Hysteresis: the holder gives the room up to another relay only when that
 *   relay has clearly more of its members ({@link yields}: more than twice as
 *   many, and at least two more). The relation is asymmetric, so a room never
 *   flaps between two relays on the same counts; and a relay that would be
 *   handed the room does not steer its clients away meanwhile.
 *
 * Counts come from presence (eventually consistent); nothing here needs them
 * to be exact, only create()'s single winner and the lease's TTL.
 */

/** Members of one room per relay id (relays with none may be absent). */
export type RoomCounts = ReadonlyMap<string, number>;

/** Rounds a lease must stay free before any eligible relay with members takes it, not only the preferred one. */
export const FREE_ROUNDS_BEFORE_ANY = 2;

/** What this relay does with one room's lease this round. */
export type LeaseAction = 'acquire' | 'renew' | 'release' | 'none';

/** Whether a holder with `holderCount` members should give the room up to a relay with `otherCount`. */
export function yields(holderCount: number, otherCount: number): boolean {
  return otherCount > 2 * holderCount && otherCount >= holderCount + 2;
}

/** The eligible relay with the most members of the room (ties: the smallest id), or null when no eligible relay has any. */
export function preferred(counts: RoomCounts, eligible: (relay: string) => boolean): string | null {
  let best: string | null = null;
  let most = 0;
  for (const [relay, n] of counts) {
    if (n <= 0 || !eligible(relay)) continue;
    if (n > most || (n === most && best !== null && relay < best)) {
      best = relay;
      most = n;
    }
  }
  return best;
}

/** One room as this relay sees it. */
export interface RoomView {
  /** This relay's id. */
  readonly me: string;
  readonly counts: RoomCounts;
  /** The relay holding the lease, or null when it is free. */
  readonly holder: string | null;
  /** Relays that may hold leases (live, with a public URL). */
  readonly eligible: (relay: string) => boolean;
  /** Rounds this relay has seen the lease free while it had members. */
  readonly freeRounds: number;
}

const count = (counts: RoomCounts, relay: string): number => counts.get(relay) ?? 0;

/** This round's action on the room's lease (see the module comment). */
export function leaseAction(v: RoomView): LeaseAction {
  const mine = count(v.counts, v.me);
  if (v.holder === v.me) {
    if (mine === 0) return 'release';
    for (const [relay, n] of v.counts) if (relay !== v.me && v.eligible(relay) && yields(mine, n)) return 'release';
    return 'renew';
  }
  if (v.holder !== null || mine === 0 || !v.eligible(v.me)) return 'none';
  return preferred(v.counts, v.eligible) === v.me || v.freeRounds >= FREE_ROUNDS_BEFORE_ANY ? 'acquire' : 'none';
}

/**
 * The relay this relay's clients in the room should move to, or null (stay).
 * Only to a live holder that is not this relay, and not while this relay has
 * so many more members that the holder is about to give the room to it.
 */
export function steerTo(v: { readonly me: string; readonly counts: RoomCounts; readonly holder: string | null; readonly holderLive: boolean }): string | null {
  if (v.holder === null || v.holder === v.me || !v.holderLive) return null;
  if (yields(count(v.counts, v.holder), count(v.counts, v.me))) return null;
  return v.holder;
}

/**
 * Members per room and relay, for the rooms `placeable` admits: `relayOf`
 * names a remote user's relay, undefined for a user of this relay (`me`).
 */
export function countRooms(
  members: Iterable<{ readonly sessionId: number; readonly roomId: string }>,
  relayOf: (sessionId: number) => string | undefined,
  me: string,
  placeable: (roomId: string) => boolean,
): Map<string, Map<string, number>> {
  const rooms = new Map<string, Map<string, number>>();
  for (const m of members) {
    if (!placeable(m.roomId)) continue;
    const relay = relayOf(m.sessionId) ?? me;
    let counts = rooms.get(m.roomId);
    if (!counts) rooms.set(m.roomId, (counts = new Map()));
    counts.set(relay, (counts.get(relay) ?? 0) + 1);
  }
  return rooms;
}
