/**
 * The sending half of voice between relays: frames bound for one peer relay
 * within one event-loop turn leave as one link message (link-bundle.ts).
 * Nothing waits for company: a peer's first frame in a turn is sent at once,
 * as before bundling; only frames that follow it in the same turn (other
 * speakers' frames the same read of the sockets brought in) are held, and
 * leave packed together when the turn's callbacks are done. So a burst of
 * ten speakers' frames costs the other relay two wake-ups instead of ten,
 * and no frame waits longer than the rest of the turn it arrived in. The
 * same rule the voice router uses for its clients (relay/voice/router.ts).
 */
import { packLinkFrames } from './link-bundle.ts';

/** The links a {@link LinkSender} sends on (relay-links.ts). */
export interface LinkPort {
  /** Sends one message to `peer`; false when there is no open link. */
  send(peer: string, bytes: Uint8Array): boolean;
}

/** Counters of a {@link LinkSender}. */
export interface LinkSenderStats {
  readonly sent: number;
  readonly unsent: number;
  readonly messages: number;
  /**
   * Per peer, at its last loss report (link-loss.ts): link messages sent to
   * it since the link opened, and how many it said it had received. The
   * difference is what the link lost, up to the few in flight.
   */
  readonly reported: Readonly<Record<string, { readonly sent: number; readonly received: number }>>;
}

interface Peer {
  /** The turn of this peer's last immediate send: later frames in that turn are held. */
  turn: number;
  held: Uint8Array[];
  /** Link messages sent since the link opened (u32, as the peer counts). */
  sinceUp: number;
  report: { sent: number; received: number } | null;
}

/** See the module comment. */
export class LinkSender {
  readonly #links: LinkPort;
  readonly #afterTurn: (fn: () => void) => void;
  readonly #peers = new Map<string, Peer>();
  /** Advanced by the end-of-turn callback; peers start at 0. */
  #turn = 1;
  #queued = false;
  #holding: Array<[string, Peer]> = [];
  #sent = 0;
  #unsent = 0;
  #messages = 0;
  readonly #endTurn = (): void => this.#flush();

  /** `afterTurn` runs its function once the current I/O turn's callbacks are done (default `setImmediate`; tests drive it). */
  constructor(links: LinkPort, afterTurn: (fn: () => void) => void = (fn) => void setImmediate(fn)) {
    this.#links = links;
    this.#afterTurn = afterTurn;
  }

  /** Sends the FORWARDED frame `frame` to `peer`, now or at the end of this turn. The bytes must not change afterwards. */
  send(peer: string, frame: Uint8Array): void {
    let p = this.#peers.get(peer);
    if (!p) this.#peers.set(peer, (p = { turn: 0, held: [], sinceUp: 0, report: null }));
    if (p.turn === this.#turn) {
      if (p.held.push(frame) === 1) this.#holding.push([peer, p]);
      return;
    }
    p.turn = this.#turn;
    this.#one(peer, frame, 1);
    // Queued once per turn: the turn must end to advance it, even when nothing was held.
    if (!this.#queued) {
      this.#queued = true;
      this.#afterTurn(this.#endTurn);
    }
  }

  /** The link to `peer` opened: counting starts again, on both sides. */
  linkUp(peer: string): void {
    const p = this.#peers.get(peer);
    if (!p) return;
    p.sinceUp = 0;
    p.report = null;
  }

  /** `peer` reports `received` messages from this relay since the link opened. */
  reported(peer: string, received: number): void {
    const p = this.#peers.get(peer);
    if (p) p.report = { sent: p.sinceUp, received };
  }

  stats(): LinkSenderStats {
    const reported: Record<string, { sent: number; received: number }> = {};
    for (const [peer, p] of this.#peers) if (p.report) reported[peer] = { ...p.report };
    return { sent: this.#sent, unsent: this.#unsent, messages: this.#messages, reported };
  }

  #one(peer: string, message: Uint8Array, frames: number): void {
    if (this.#links.send(peer, message)) {
      this.#sent += frames;
      this.#messages++;
      const p = this.#peers.get(peer)!;
      p.sinceUp = (p.sinceUp + 1) >>> 0;
    } else this.#unsent += frames;
  }

  #flush(): void {
    this.#queued = false;
    this.#turn++;
    const holding = this.#holding;
    if (holding.length === 0) return;
    this.#holding = [];
    for (const [peer, p] of holding) {
      const frames = p.held;
      if (frames.length === 0) continue;
      p.held = [];
      packLinkFrames(frames, (message, n) => this.#one(peer, message, n));
    }
  }
}
