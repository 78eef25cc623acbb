/**
 * Room placement on one relay (decision D123, docs/CLUSTER.md "Room
 * placement"): every round (a third of the lease TTL) it counts each placed
 * room's members per relay from presence, runs placement-rule.ts for every
 * room this relay has members in or holds, and applies the answer to the
 * room's lease through the injected {@link LeaseStore} (create / renew /
 * release). Then it steers: every local session in a room another live relay
 * holds is sent a `RoomPlacement` naming that relay's public URL, once, and
 * again at most every {@link STEER_REPEAT_MS} while it stays (D124: the
 * client decides when and whether it moves).
 *
 * A holder counts as live while its renewals are seen (a revision change
 * within one TTL) and the relay directory lists its URL: a relay killed with
 * `kill -9` stops renewing, so nobody is steered to it, and its leases expire
 * with the bucket's TTL, after which the relay with most members takes them.
 */
import type { EnvelopeInit } from '../../../proto/index.ts';
import type { LeaseProblem } from './lease-codec.ts';
import type { LeaseEntry, LeaseStore } from './room-leases.ts';
import { countRooms, leaseAction, steerTo } from './placement-rule.ts';
import type { RoomCounts } from './placement-rule.ts';

/** A session is reminded of its room's relay at most this often. */
export const STEER_REPEAT_MS = 10_000;

/** Who is where, as this relay shows it. */
export interface PlacementPresence {
  /** Everyone shown here: this relay's users and the other relays'. */
  members(): Iterable<{ readonly sessionId: number; readonly roomId: string }>;
  /** The relay of a user of another relay; undefined for a user of this one. */
  relayOf(sessionId: number): string | undefined;
  /** The voice id of a room that is placed (in the shared tree, not the lobby, not temporary); undefined otherwise. */
  voiceIdOf(roomId: string): number | undefined;
  /** A signed-in session of this relay, to tell. */
  session(sessionId: number): { send(msg: EnvelopeInit): unknown } | undefined;
}

/** Dependencies of a {@link RoomPlacement}. */
export interface PlacementDeps {
  readonly relayId: string;
  /** The room leases' TTL (the bucket's): renewals come every third of it. */
  readonly ttlMs: number;
  readonly leases: LeaseStore;
  readonly presence: PlacementPresence;
  /** The public control-socket URL of a live relay; undefined or '' when it has none (it holds no leases, nobody is steered to it). */
  readonly urlOf: (relayId: string) => string | undefined;
  readonly now: () => number;
  readonly onError: (where: string, error: unknown) => void;
}

/** Counters of placement on this relay (tests, benchmarks). */
export interface PlacementStats {
  /** Room leases this relay holds now. */
  readonly held: number;
  readonly acquired: number;
  readonly released: number;
  /** RoomPlacement messages sent. */
  readonly steered: number;
  /** Lease entries read back that were malformed (CLUSTER_LEASE_BAD) and ignored. */
  readonly badLeases: number;
}

interface Known extends LeaseEntry {
  /** When this relay last saw the lease written (a new revision). */
  readonly seenAt: number;
}

const NONE: RoomCounts = new Map();

/** See the module comment. Create with {@link RoomPlacement.start}. */
export class RoomPlacement {
  readonly #d: PlacementDeps;
  /** Voice id → the lease as last seen (any holder). */
  readonly #known = new Map<number, Known>();
  /** Voice id → the lease this relay holds, its room and when it was last renewed. */
  readonly #mine = new Map<number, { roomId: string; revision: number; renewedAt: number }>();
  /** Voice id → rounds seen free while this relay had members there. */
  readonly #free = new Map<number, number>();
  /** Session id → the last RoomPlacement sent to it. */
  readonly #steered = new Map<number, { readonly roomId: string; readonly url: string; readonly at: number }>();
  #counts = new Map<string, Map<string, number>>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #running = false;
  #again = false;
  #closed = false;
  #acquired = 0;
  #released = 0;
  #sent = 0;
  #bad = 0;
  /** A round failed and was reported; the next failures are not, until a round succeeds (NATS away: one line, not one per round). */
  #failing = false;

  private constructor(deps: PlacementDeps) {
    this.#d = deps;
  }

  /** Starts watching the leases and running rounds. */
  static async start(deps: PlacementDeps): Promise<RoomPlacement> {
    const p = new RoomPlacement(deps);
    await deps.leases.watch((id, entry) => p.#seen(id, entry), (problem) => p.#badLease(problem));
    p.#timer = setInterval(() => p.soon(), Math.max(100, Math.floor(deps.ttlMs / 3)));
    p.soon();
    return p;
  }

  /** Runs a round now (or right after the one running): someone joined or left a room. */
  soon(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#round()
      .then(
        () => void (this.#failing = false),
        (error: unknown) => {
          if (!this.#failing) this.#d.onError('cluster placement', error);
          this.#failing = true;
        },
      )
      .finally(() => {
        this.#running = false;
        if (this.#again && !this.#closed) {
          this.#again = false;
          this.soon();
        }
      });
  }

  /** The relay id holding the room with `voiceId` as this relay last saw it, or null. */
  holderOf(voiceId: number): string | null {
    return this.#known.get(voiceId)?.holder ?? null;
  }

  stats(): PlacementStats {
    return { held: this.#mine.size, acquired: this.#acquired, released: this.#released, steered: this.#sent, badLeases: this.#bad };
  }

  #seen(voiceId: number, entry: LeaseEntry | null): void {
    if (!entry) {
      this.#known.delete(voiceId);
      return;
    }
    const before = this.#known.get(voiceId);
    if (before?.revision === entry.revision && before.holder === entry.holder) return;
    this.#known.set(voiceId, { ...entry, seenAt: this.#d.now() });
  }

  #badLease(problem: LeaseProblem): void {
    this.#bad++;
    this.#d.onError('cluster placement lease', new Error(`${problem.code}: ${problem.detail}`));
  }

  #eligible = (relay: string): boolean => !!this.#d.urlOf(relay);

  async #round(): Promise<void> {
    const { presence, relayId: me } = this.#d;
    const counts = countRooms(presence.members(), (id) => presence.relayOf(id), me, (roomId) => presence.voiceIdOf(roomId) !== undefined);
    this.#counts = counts;
    const rooms = new Map<number, string>();
    for (const [roomId, c] of counts) if ((c.get(me) ?? 0) > 0) rooms.set(presence.voiceIdOf(roomId)!, roomId);
    for (const [voiceId, held] of this.#mine) if (!rooms.has(voiceId)) rooms.set(voiceId, held.roomId);
    const placed = await Promise.allSettled([...rooms].map(([voiceId, roomId]) => this.#place(voiceId, roomId, counts.get(roomId) ?? NONE)));
    for (const id of this.#free.keys()) if (!rooms.has(id)) this.#free.delete(id);
    // One room NATS did not answer for does not hold the others' steering back.
    this.#steerAll();
    const failed = placed.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** One room's lease this round. */
  async #place(voiceId: number, roomId: string, counts: RoomCounts): Promise<void> {
    const { leases, relayId: me, now } = this.#d;
    const held = this.#mine.get(voiceId);
    let holder: string | null = held ? me : null;
    if (!held) {
      const entry = await leases.get(voiceId);
      this.#seen(voiceId, entry);
      holder = entry?.holder ?? null;
    }
    const freeRounds = holder === null ? (this.#free.get(voiceId) ?? 0) + 1 : 0;
    if (holder === null) this.#free.set(voiceId, freeRounds);
    else this.#free.delete(voiceId);
    const action = leaseAction({ me, counts, holder, eligible: this.#eligible, freeRounds: freeRounds - 1 });
    if (action === 'acquire') {
      const started = now();
      const revision = await leases.create(voiceId, me);
      if (revision === null) return;
      this.#mine.set(voiceId, { roomId, revision, renewedAt: started });
      this.#seen(voiceId, { holder: me, revision });
      this.#free.delete(voiceId);
      this.#acquired++;
    } else if (action === 'renew' && held) {
      const started = now();
      try {
        const revision = await leases.renew(voiceId, me, held.revision);
        if (revision === null) this.#lost(voiceId);
        else {
          this.#mine.set(voiceId, { roomId, revision, renewedAt: started });
          this.#seen(voiceId, { holder: me, revision });
        }
      } catch (error) {
        // No answer in time: still ours until a whole TTL has passed since the last renewal.
        if (now() - held.renewedAt >= this.#d.ttlMs) this.#lost(voiceId);
        else throw error;
      }
    } else if (action === 'release' && held) {
      this.#mine.delete(voiceId);
      this.#known.delete(voiceId);
      this.#released++;
      await leases.release(voiceId, held.revision);
    }
  }

  #lost(voiceId: number): void {
    this.#mine.delete(voiceId);
    this.#known.delete(voiceId);
  }

  /** Sends RoomPlacement to each local session whose room another live relay holds (see the module comment). */
  #steerAll(): void {
    const { presence, relayId: me, now, urlOf, ttlMs } = this.#d;
    const t = now();
    const local = new Set<number>();
    for (const m of presence.members()) {
      if (presence.relayOf(m.sessionId) !== undefined) continue;
      local.add(m.sessionId);
      const voiceId = presence.voiceIdOf(m.roomId);
      if (voiceId === undefined) continue;
      const known = this.#known.get(voiceId);
      const holder = this.#mine.has(voiceId) ? me : (known?.holder ?? null);
      const url = holder === null ? undefined : urlOf(holder);
      const holderLive = !!url && known !== undefined && t - known.seenAt < ttlMs;
      const to = steerTo({ me, counts: this.#counts.get(m.roomId) ?? NONE, holder, holderLive });
      if (to === null || !url) continue;
      const last = this.#steered.get(m.sessionId);
      if (last && last.roomId === m.roomId && last.url === url && t - last.at < STEER_REPEAT_MS) continue;
      const session = presence.session(m.sessionId);
      if (!session) continue;
      session.send({ case: 'roomPlacement', value: { roomId: m.roomId, relayUrl: url } });
      this.#steered.set(m.sessionId, { roomId: m.roomId, url, at: t });
      this.#sent++;
    }
    for (const id of this.#steered.keys()) if (!local.has(id)) this.#steered.delete(id);
  }

  /** Stops, giving every held lease up so another relay need not wait for it to expire. */
  async close(): Promise<void> {
    this.#stop();
    const held = [...this.#mine];
    this.#mine.clear();
    await Promise.all(held.map(([voiceId, h]) => this.#d.leases.release(voiceId, h.revision)));
  }

  /** As if the process died: stops without releasing (the leases expire). */
  abort(): void {
    this.#stop();
    this.#mine.clear();
  }

  #stop(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#d.leases.close();
  }
}
