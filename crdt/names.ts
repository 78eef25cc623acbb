/** How room names compare: the one rule both the tree checks and the tree index use. */

const NON_ASCII = /[^\u0000-\u007f]/;

/** The form two names are compared in: same letters in any case and Unicode composition collide. */
export function nameKey(name: string): string {
  // NFC leaves ASCII unchanged; skipping it keeps sibling checks cheap.
  return NON_ASCII.test(name) ? name.normalize('NFC').toLowerCase() : name.toLowerCase();
}
