/**
 * Room placement, client side (decision D124, docs/CLUSTER.md "Room
 * placement"): a relay of a cluster tells a session in a room that another
 * relay holds it (`RoomPlacement`), and the session moves there by itself,
 * through the failover path (D130): reconnect to that relay, sign in, ask for
 * the room. The cost is a short voice blip, so it waits while the user is
 * talking (up to {@link SILENCE_WAIT_MS}), and a relay cannot send it round
 * in a loop: at most {@link MAX_MOVES} moves in {@link MOVE_WINDOW_MS}, and
 * only to a relay of the list the relays announced (trust does not follow the
 * advice: every relay must still present the pinned organisation key), and
 * not to a relay that failed this client in the last {@link RELAY_DOWN_MS}
 * (after a `kill -9` the survivors name the dead holder until its lease
 * expires; following them would spend the move budget on a dead relay and
 * leave the client apart from its room for the rest of the window).
 */
import type { RoomPlacement } from '../../../proto/index.ts';
import type { State } from '../state.ts';

/** Moves allowed per window: the bound on being steered in a loop. */
export const MAX_MOVES = 3;
export const MOVE_WINDOW_MS = 60_000;
/** The longest a move waits for the user to stop talking. */
export const SILENCE_WAIT_MS = 3_000;
/** A relay that failed this client is not a move target for this long (longer than a room lease's TTL). */
export const RELAY_DOWN_MS = 30_000;
/** How often a waiting move looks again whether the user stopped talking. */
const SILENCE_POLL_MS = 200;

/** Why a placement was not followed (or 'move'). */
export type PlacementVerdict = 'move' | 'not-connected' | 'other-room' | 'here-already' | 'unknown-relay' | 'relay-down' | 'too-many-moves';

/**
 * Whether to follow `placement` now. Pure: `moves` are the times of earlier
 * moves (only those within the window count), `relays` what the list holds.
 */
export function placementVerdict(state: State, placement: RoomPlacement, relays: PlacementRelays, moves: readonly number[], now: number): PlacementVerdict {
  if (state.connection.status !== 'connected') return 'not-connected';
  if (state.roomId === null || placement.roomId !== state.roomId) return 'other-room';
  if (placement.relayUrl === relays.current) return 'here-already';
  if (!relays.urls.includes(placement.relayUrl)) return 'unknown-relay';
  const failed = relays.lastFailure(placement.relayUrl);
  if (failed !== undefined && now - failed < RELAY_DOWN_MS) return 'relay-down';
  if (moves.filter((t) => now - t < MOVE_WINDOW_MS).length >= MAX_MOVES) return 'too-many-moves';
  return 'move';
}

/** What a placement verdict reads of the relay list (connection/relay-list.ts). */
export interface PlacementRelays {
  readonly current: string;
  readonly urls: readonly string[];
  /** When this relay last failed the client (undefined: not since it last signed in there). */
  lastFailure(url: string): number | undefined;
}

/** What steering needs of the session. */
export interface SteeringHost {
  state(): State;
  readonly relays: PlacementRelays & { moveTo(url: string): boolean };
  /** Reconnects to the relay list's current relay (the session asks for its room after sign-in). */
  reconnect(): void;
  readonly now: () => number;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** See the module comment. */
export class Steering {
  readonly #host: SteeringHost;
  readonly #moves: number[] = [];
  #pending: { readonly placement: RoomPlacement; readonly since: number } | null = null;
  #timer: unknown = null;

  constructor(host: SteeringHost) {
    this.#host = host;
  }

  /** Moves done in the current window (tests, diagnostics). */
  get recentMoves(): number {
    const now = this.#host.now();
    return this.#moves.filter((t) => now - t < MOVE_WINDOW_MS).length;
  }

  /** A relay sent RoomPlacement: follow it now, or once the user is quiet (at most {@link SILENCE_WAIT_MS} later). */
  offer(placement: RoomPlacement): void {
    const h = this.#host;
    if (placementVerdict(h.state(), placement, h.relays, this.#moves, h.now()) !== 'move') return;
    this.#pending = { placement, since: this.#pending?.since ?? h.now() };
    this.#try();
  }

  /** The connection went away: a waiting move is forgotten (the next relay will advise again). */
  cancel(): void {
    this.#pending = null;
    if (this.#timer !== null) this.#host.clearTimer(this.#timer);
    this.#timer = null;
  }

  #try(): void {
    const h = this.#host;
    const pending = this.#pending;
    if (!pending) return;
    const now = h.now();
    if (h.state().transmitting && now - pending.since < SILENCE_WAIT_MS) {
      if (this.#timer === null)
        this.#timer = h.setTimer(() => {
          this.#timer = null;
          this.#try();
        }, SILENCE_POLL_MS);
      return;
    }
    this.cancel();
    // Checked again: the room or the connection may have changed while waiting.
    if (placementVerdict(h.state(), pending.placement, h.relays, this.#moves, now) !== 'move' || !h.relays.moveTo(pending.placement.relayUrl)) return;
    this.#moves.push(now);
    while (this.#moves.length > MAX_MOVES) this.#moves.shift();
    h.reconnect();
  }
}
