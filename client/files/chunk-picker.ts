/**
 * Which chunk to ask a peer for next: the rarest missing chunk that peer has
 * and nobody is fetching yet (ties broken by index, so a file fills roughly in
 * order and previews appear early). Pure.
 */

/** What the picker knows about one peer. */
export interface PeerHoldings {
  /** True when the peer holds chunk `index` (null: unknown, assume it does). */
  readonly has: ((index: number) => boolean) | null;
}

/**
 * The next index for `peer`, or null when it has nothing we still need.
 * `wanted` lists missing chunks not in flight, ascending.
 */
export function pickChunk(wanted: readonly number[], peer: PeerHoldings, others: readonly PeerHoldings[]): number | null {
  let best: number | null = null;
  let bestCount = Infinity;
  for (const index of wanted) {
    if (peer.has && !peer.has(index)) continue;
    let count = 0;
    for (const o of others) if (!o.has || o.has(index)) count++;
    if (count < bestCount) {
      best = index;
      bestCount = count;
      if (count === 0) break;
    }
  }
  return best;
}
