/**
 * Where a session's PeerConnection goes at its offer: the worker holding most
 * members of its room (voice then rarely crosses workers), else the least
 * loaded one. Ties go to the less loaded, then the lower index. Pure.
 */

/** One running worker as placement sees it. */
export interface PlacementCandidate {
  readonly index: number;
  /** PeerConnections placed on it. */
  readonly load: number;
  /** Members of the session's room placed on it (the session itself not counted). */
  readonly roomMembers: number;
}

/** The chosen worker index, or undefined when no worker runs. */
export function chooseWorker(candidates: readonly PlacementCandidate[]): number | undefined {
  let best: PlacementCandidate | undefined;
  for (const c of candidates) {
    if (!best) {
      best = c;
      continue;
    }
    if (c.roomMembers !== best.roomMembers) {
      if (c.roomMembers > best.roomMembers) best = c;
      continue;
    }
    if (c.load < best.load || (c.load === best.load && c.index < best.index)) best = c;
  }
  return best?.index;
}
