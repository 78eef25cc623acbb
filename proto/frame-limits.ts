/**
 * One home for control-frame sizes. The client drops any frame over
 * {@link MAX_CONTROL_FRAME_BYTES} (codec.ts), so every frame the relay builds
 * from a list that grows (history pages, presence, room lists) is cut by
 * encoded bytes against a budget derived from that same limit here: the two
 * cannot drift apart. test/proto/frame-limits.test.ts builds each kind of
 * relay→client frame at its bounded maximum and fails if one could exceed it.
 *
 * Pure: sizes only, no sockets, no codecs.
 */

/** Largest control frame either side accepts, in bytes. */
export const MAX_CONTROL_FRAME_BYTES = 64 * 1024;

/**
 * Room a paged frame keeps for everything but its items: the envelope's tag
 * and length, request ids, targets (a room id is at most 128 bytes), flags and
 * codes. Generous on purpose: a page a little shorter costs nothing, a frame
 * over the limit is lost.
 */
export const PAGE_FRAME_HEADROOM_BYTES = 4 * 1024;

/** Bytes the items of one paged relay→client frame may take, each counted by {@link repeatedFieldBytes}. */
export const PAGE_ITEMS_BUDGET_BYTES = MAX_CONTROL_FRAME_BYTES - PAGE_FRAME_HEADROOM_BYTES;

/**
 * Bytes of items one paged list frame (roster, chat summary, document chunk)
 * carries: half the largest frame a client accepts, so the Envelope's own
 * fields never matter and one page never holds the socket for long.
 */
export const CONTROL_PAGE_BYTES = MAX_CONTROL_FRAME_BYTES / 2;

/** Bytes of `n` as a protobuf varint (1 for 0..127, up to 10). */
export function varintBytes(n: number): number {
  let bytes = 1;
  let v = Math.max(0, Math.floor(n));
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    bytes++;
  }
  return bytes;
}

/**
 * Encoded size of one element of a repeated message or bytes field whose
 * body is `bodyBytes` long: its tag, its length varint and the body.
 */
export function repeatedFieldBytes(bodyBytes: number, fieldNumber = 1): number {
  return varintBytes(fieldNumber * 8 + 2) + varintBytes(bodyBytes) + bodyBytes;
}

/**
 * Fills one page of a relay→client frame by bytes. Items are offered in page
 * order; {@link take} says whether each still fits. The first item is always
 * taken so paging makes progress: every single item the relay stores must fit
 * the budget on its own (the frame-limits test checks the largest of each).
 *
 * For other paged frames (presence, room lists): create one per frame with
 * the default budget, `take(bodyBytes)` each item until false, and set the
 * frame's "more" flag when an item was left over.
 */
export class PageBudget {
  readonly #budget: number;
  #used = 0;
  #count = 0;

  /** `budget`: bytes for the items; default {@link PAGE_ITEMS_BUDGET_BYTES}. */
  constructor(budget: number = PAGE_ITEMS_BUDGET_BYTES) {
    this.#budget = budget;
  }

  /** Counts an item of `bodyBytes` (a repeated field element) if it fits, or if the page is still empty. */
  take(bodyBytes: number, fieldNumber = 1): boolean {
    const cost = repeatedFieldBytes(bodyBytes, fieldNumber);
    if (this.#count > 0 && this.#used + cost > this.#budget) return false;
    this.#used += cost;
    this.#count++;
    return true;
  }

  /** Bytes taken so far. */
  get used(): number {
    return this.#used;
  }

  /** Items taken so far. */
  get count(): number {
    return this.#count;
  }
}
