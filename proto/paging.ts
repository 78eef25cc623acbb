/**
 * Paging of lists that grow with the organisation (the roster, the chat
 * summary's heads) into control frames of bounded size. Pure: the caller
 * says how big one item is on the wire and how big a page may be.
 *
 * The page size is a parameter so the frame-size module that sizes every
 * page against the client's frame limit can own it; until then
 * {@link CONTROL_PAGE_BYTES} is derived from {@link MAX_CONTROL_FRAME_BYTES}.
 */
import { MAX_CONTROL_FRAME_BYTES } from './codec.ts';

/**
 * Bytes of items one paged frame may carry: half the largest frame a client
 * accepts, so the Envelope's own fields (a few bytes) never matter and a
 * page never monopolises the socket for long.
 */
export const CONTROL_PAGE_BYTES = MAX_CONTROL_FRAME_BYTES / 2;

/** Bytes of a protobuf varint holding `n` (n >= 0). */
export function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

/** Wire size of one element of a repeated message field with a one-byte tag whose encoding is `encodedBytes` long. */
export function repeatedFieldBytes(encodedBytes: number): number {
  return 1 + varintBytes(encodedBytes) + encodedBytes;
}

/**
 * Splits `items` into pages, in order, greedily: each page holds items whose
 * `sizeOf` adds up to at most `maxBytes`. Always returns at least one page
 * (an empty list is one empty page, so the receiver still learns the list is
 * complete). An item larger than `maxBytes` on its own gets a page of its own
 * (callers bound their items well below a page, see docs/PROTOCOL.md "Paging").
 */
export function pageBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxBytes: number): T[][] {
  if (!(maxBytes > 0)) throw new RangeError(`page size must be positive [maxBytes:${maxBytes}]`);
  const pages: T[][] = [];
  let page: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (page.length > 0 && bytes + size > maxBytes) {
      pages.push(page);
      page = [];
      bytes = 0;
    }
    page.push(item);
    bytes += size;
  }
  pages.push(page);
  return pages;
}
