/**
 * Chunks of one y-protocols sync message. A document's SyncStep2 (or a big
 * Update) can be larger than a control frame (2,000 rooms with 500-character
 * descriptions are over 1 MB), so the relay splits it into `parts` chunks of
 * at most a page each, sent in order on the one ordered socket; the client
 * joins them, up to {@link MAX_SYNC_MESSAGE_BYTES}, before applying.
 *
 * Pure: no sockets, no Yjs. `CrdtSync { part, parts }` carries the numbering;
 * `parts` 0 or 1 means the frame holds the whole message.
 */

/**
 * Largest sync message a client joins, in bytes. The relay's room cap (5,000
 * rooms) times the largest room record (64-character name, 500-character
 * description, up to 4 bytes a character, plus ids and Yjs overhead) is about
 * 12 MB; 16 MiB leaves room for history the document keeps, and stops a
 * broken or hostile relay from making a browser buffer without end.
 */
export const MAX_SYNC_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Most chunks one message may be announced as (16 MiB in 4 KiB chunks). */
export const MAX_SYNC_PARTS = 4096;

/** One chunk as it travels in `CrdtSync`. */
export interface SyncChunk {
  readonly part: number;
  readonly parts: number;
  readonly data: Uint8Array;
}

/**
 * Splits `data` into chunks of at most `maxChunkBytes`. A message that fits
 * is one chunk with `parts` 0 (the unchunked form, as before chunking).
 * Chunks are views into `data`, not copies.
 */
export function splitSync(data: Uint8Array, maxChunkBytes: number): SyncChunk[] {
  if (!(maxChunkBytes >= 1)) throw new RangeError(`chunk size must be positive [maxChunkBytes:${maxChunkBytes}]`);
  if (data.byteLength <= maxChunkBytes) return [{ part: 0, parts: 0, data }];
  const parts = Math.ceil(data.byteLength / maxChunkBytes);
  const out: SyncChunk[] = [];
  for (let part = 0; part < parts; part++) out.push({ part, parts, data: data.subarray(part * maxChunkBytes, (part + 1) * maxChunkBytes) });
  return out;
}

/** Why a chunk was refused (the partial message is dropped with it). */
export type SyncChunkErrorCode =
  /** `part` is not the next one expected (a gap, a repeat, or a new message before the last one ended). */
  | 'out-of-order'
  /** `parts` differs from the first chunk's, or `part >= parts`, or more than {@link MAX_SYNC_PARTS}. */
  | 'bad-parts'
  /** The joined message would pass the assembler's byte bound. */
  | 'too-large';

/** What {@link SyncAssembler.push} made of one chunk. */
export type SyncChunkResult =
  | { readonly kind: 'whole'; readonly data: Uint8Array }
  | { readonly kind: 'partial' }
  | { readonly kind: 'rejected'; readonly code: SyncChunkErrorCode };

/**
 * Joins the chunks of one document's sync messages. One per document and
 * connection; {@link reset} when the connection goes (a half-received message
 * from an old socket must not be completed by a new one).
 */
export class SyncAssembler {
  readonly #maxBytes: number;
  #parts = 0;
  #next = 0;
  #bytes = 0;
  #chunks: Uint8Array[] = [];

  constructor(maxBytes = MAX_SYNC_MESSAGE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** True while a message is half received. */
  get pending(): boolean {
    return this.#parts > 0;
  }

  /** Takes one chunk; returns the whole message when its last chunk arrived. Never throws. */
  push(chunk: SyncChunk): SyncChunkResult {
    const { part, parts, data } = chunk;
    if (parts <= 1) {
      // A whole message: fine unless it interrupts a chunked one.
      if (this.pending || part !== 0) return this.#reject('out-of-order');
      if (data.byteLength > this.#maxBytes) return this.#reject('too-large');
      return { kind: 'whole', data };
    }
    if (parts > MAX_SYNC_PARTS || part >= parts) return this.#reject('bad-parts');
    if (this.pending ? parts !== this.#parts : false) return this.#reject('bad-parts');
    if (part !== (this.pending ? this.#next : 0)) return this.#reject('out-of-order');
    if (this.#bytes + data.byteLength > this.#maxBytes) return this.#reject('too-large');
    this.#parts = parts;
    this.#next = part + 1;
    this.#bytes += data.byteLength;
    // Copy: the chunk's bytes may be a view into a frame buffer that is reused.
    this.#chunks.push(data.slice());
    if (this.#next < parts) return { kind: 'partial' };
    const whole = new Uint8Array(this.#bytes);
    let at = 0;
    for (const c of this.#chunks) {
      whole.set(c, at);
      at += c.byteLength;
    }
    this.reset();
    return { kind: 'whole', data: whole };
  }

  /** Drops a half-received message. */
  reset(): void {
    this.#parts = 0;
    this.#next = 0;
    this.#bytes = 0;
    this.#chunks = [];
  }

  #reject(code: SyncChunkErrorCode): SyncChunkResult {
    this.reset();
    return { kind: 'rejected', code };
  }
}
