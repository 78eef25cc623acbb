/**
 * Where a file's hash blocks are kept in the chunk store: next to its
 * chunks, under their own key, so a reload can serve and check chunks
 * without asking anyone. (Checking a block against the manifest is the
 * shared core's: files/swarm-receiver.ts.)
 */

/** Store key under which a file's hash blocks are kept. */
export const hashBlockKey = (fileIdHex: string): string => `${fileIdHex}.h`;
