/**
 * Paging of lists that grow with the organisation (the roster, the chat
 * summary's heads) into control frames of bounded size. Pure: the caller
 * says how big one item is on the wire and how big a page may be.
 *
 * The page size is a parameter; the sizes themselves (the client's frame
 * limit and `CONTROL_PAGE_BYTES`) live in frame-limits.ts, the one home
 * of frame sizes, together with the varint arithmetic.
 */
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
