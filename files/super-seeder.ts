/**
 * Super-seeding for a file's original sender (issue 16), as pure state.
 *
 * Why: when ten downloaders all ask the sender for the chunks nobody else
 * has, a plain seeder serves every request and its uplink carries the file
 * ten times (a star). Instead the sender hands each chunk to at most `copies`
 * peers that are still linked, and refuses further requests for it (the
 * downloader then gets it from one of those peers, who serve everything they
 * hold). The sender's upload is thus bounded by `copies` times the file while
 * nobody leaves; a peer that leaves gives its copies back, so a chunk whose
 * only holders went away is served again and nothing is lost.
 *
 * Peer ids are the caller's (e.g. a session id as text).
 */

/** Live copies per chunk the original sender hands out by default. */
export const DEFAULT_SEED_COPIES = 1;

/** Which chunks the sender gave to whom. */
export class SuperSeeder {
  readonly copies: number;
  readonly #byChunk = new Map<number, Set<string>>();
  readonly #byPeer = new Map<string, Set<number>>();

  /** `copies`: live peers a chunk goes to before further requests are refused (at least 1). */
  constructor(copies = DEFAULT_SEED_COPIES) {
    if (!Number.isSafeInteger(copies) || copies < 1) throw new RangeError(`copies must be a positive integer [copies:${copies}]`);
    this.copies = copies;
  }

  /**
   * Whether to serve `chunk` to `peer` now; a yes is recorded. A peer asking
   * again for a chunk it was already given (it lost it) is served again
   * without taking a second copy.
   */
  allow(peer: string, chunk: number): boolean {
    let holders = this.#byChunk.get(chunk);
    if (holders?.has(peer)) return true;
    if ((holders?.size ?? 0) >= this.copies) return false;
    if (!holders) this.#byChunk.set(chunk, (holders = new Set()));
    holders.add(peer);
    let mine = this.#byPeer.get(peer);
    if (!mine) this.#byPeer.set(peer, (mine = new Set()));
    mine.add(chunk);
    return true;
  }

  /** Live copies of `chunk` handed out. */
  copiesOf(chunk: number): number {
    return this.#byChunk.get(chunk)?.size ?? 0;
  }

  /** `peer` went away: its copies no longer count, so its chunks may go to others. */
  peerGone(peer: string): void {
    for (const chunk of this.#byPeer.get(peer) ?? []) {
      const holders = this.#byChunk.get(chunk);
      holders?.delete(peer);
      if (holders?.size === 0) this.#byChunk.delete(chunk);
    }
    this.#byPeer.delete(peer);
  }
}
