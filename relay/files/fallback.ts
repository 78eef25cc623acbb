/**
 * The relay fallback (issue 16): when two browsers cannot connect directly,
 * the relay carries chunks over the WebSocket each already has. A wanted chunk
 * comes from the cache, or the relay asks one holder for it and streams its
 * pieces to every session waiting for that chunk, then keeps the chunk
 * (bounded LRU by bytes) so the rest of the room does not cost the sender
 * another upload. The relay does not verify chunks (it has no hash blocks):
 * receivers do, and a `FileBadChunk` about the relay evicts the chunk.
 *
 * Every byte in and out is taken from one byte-rate bucket and counted.
 */
import { chunkLength, ErrorCode, hashBlockRange, SHA256_BYTES } from '../../proto/index.ts';
import type { EnvelopeInit, FileRelayPiece } from '../../proto/index.ts';
import type { Clock } from '../options.ts';
import { TokenBucket } from '../rate-limit.ts';
import type { FileLimits } from './file-limits.ts';
import type { Holder, TrackedFile } from './tracker.ts';

/** Largest piece of a chunk in one relay frame (a frame is at most 64 KiB). */
export const MAX_RELAY_PIECE_BYTES = 32 * 1024;

/** Byte counters of the fallback. */
export interface FallbackCounters {
  /** Chunk bytes received from holders. */
  bytesIn: number;
  /** Chunk bytes sent to downloaders (cache hits included). */
  bytesOut: number;
  cacheHits: number;
}

interface Carriage {
  readonly file: TrackedFile;
  readonly chunk: number;
  readonly hashBlock: boolean;
  readonly holderId: number;
  readonly expected: number;
  readonly pieces: Uint8Array[];
  got: number;
  readonly waiters: Set<number>;
}

/** Dependencies of a {@link FallbackCarrier}. */
export interface FallbackDeps {
  readonly limits: FileLimits;
  readonly clock: Clock;
  /** Sends to a session if it is online; false if it is not (or is congested). */
  readonly send: (sessionId: number, msg: EnvelopeInit) => boolean;
}

const keyOf = (fileHex: string, chunk: number, hashBlock = false): string => `${fileHex}:${hashBlock ? 'h' : ''}${chunk}`;

/** Bytes of chunk `index`, or of hash block `index`. */
function unitLength(file: TrackedFile, index: number, hashBlock: boolean): number {
  if (!hashBlock) return chunkLength(file.manifest.size, file.manifest.chunkSize, index);
  const { first, end } = hashBlockRange(file.manifest, index);
  return (end - first) * SHA256_BYTES;
}

/** Carries chunks through the relay and caches them. */
export class FallbackCarrier {
  readonly #deps: FallbackDeps;
  readonly #budget: TokenBucket;
  readonly #cache = new Map<string, Uint8Array>();
  #cacheBytes = 0;
  readonly #carriages = new Map<string, Carriage>();
  readonly #waiting = new Map<number, number>();
  readonly counters: FallbackCounters = { bytesIn: 0, bytesOut: 0, cacheHits: 0 };

  constructor(deps: FallbackDeps) {
    this.#deps = deps;
    const rate = deps.limits.fallbackBytesPerSecond;
    // Burst of one second's worth, and never less than one largest chunk (else nothing big could ever pass).
    this.#budget = new TokenBucket(deps.clock, Math.max(rate, 4 * 1024 * 1024), rate);
  }

  /** Bytes in the cache now. */
  get cacheBytes(): number {
    return this.#cacheBytes;
  }

  /**
   * `requesterId` wants chunk `chunk` of `file`; `holderFor` names who could
   * send it. Null when under way (cached: already sent), else the refusal code.
   */
  want(file: TrackedFile, chunk: number, requesterId: number, holderFor: () => Holder | undefined, hashBlock = false): ErrorCode | null {
    const length = unitLength(file, chunk, hashBlock);
    const key = keyOf(file.idHex, chunk, hashBlock);
    const cached = this.#cache.get(key);
    if (cached) {
      if (!this.#budget.take(length)) return ErrorCode.RATE_LIMITED;
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      this.counters.cacheHits++;
      this.#sendPieces(requesterId, file.manifest.fileId, chunk, hashBlock, cached, 0);
      return null;
    }
    if ((this.#waiting.get(requesterId) ?? 0) >= this.#deps.limits.maxRelayWantsPerSession) return ErrorCode.RATE_LIMITED;
    const carriage = this.#carriages.get(key);
    if (carriage) {
      if (carriage.waiters.has(requesterId)) return null;
      if (!this.#budget.take(length)) return ErrorCode.RATE_LIMITED;
      this.#addWaiter(carriage, requesterId);
      // Catch the late waiter up with what already passed.
      let offset = 0;
      for (const p of carriage.pieces) {
        this.#sendPieces(requesterId, file.manifest.fileId, chunk, hashBlock, p, offset);
        offset += p.byteLength;
      }
      return null;
    }
    const holder = holderFor();
    if (!holder) return ErrorCode.FILE_PEER_GONE;
    // In from the holder and out to the requester.
    if (!this.#budget.take(2 * length)) return ErrorCode.RATE_LIMITED;
    const fresh: Carriage = { file, chunk, hashBlock, holderId: holder.sessionId, expected: length, pieces: [], got: 0, waiters: new Set() };
    this.#carriages.set(key, fresh);
    this.#addWaiter(fresh, requesterId);
    if (!this.#deps.send(holder.sessionId, { case: 'fileRelayWant', value: { fileId: file.manifest.fileId, chunk, hashBlock } })) {
      this.#end(key, fresh);
      return ErrorCode.FILE_PEER_GONE;
    }
    return null;
  }

  /** True when `msg` is the next piece the relay asked holder `fromId` for. */
  expects(fromId: number, fileHex: string, msg: FileRelayPiece): boolean {
    const c = this.#carriages.get(keyOf(fileHex, msg.chunk, msg.hashBlock));
    return c !== undefined && c.holderId === fromId && msg.offset === c.got;
  }

  /** A piece from a holder. Null if taken, else why not (the caller answers BAD_REQUEST). */
  piece(fromId: number, fileHex: string, msg: FileRelayPiece): string | null {
    const key = keyOf(fileHex, msg.chunk, msg.hashBlock);
    const c = this.#carriages.get(key);
    if (!c || c.holderId !== fromId) return 'no such request';
    if (msg.offset !== c.got || msg.data.byteLength === 0 || msg.data.byteLength > MAX_RELAY_PIECE_BYTES || c.got + msg.data.byteLength > c.expected) {
      this.#end(key, c);
      return 'piece out of order or size';
    }
    const data = msg.data.slice();
    c.pieces.push(data);
    c.got += data.byteLength;
    this.counters.bytesIn += data.byteLength;
    for (const w of c.waiters) this.#sendPieces(w, c.file.manifest.fileId, c.chunk, c.hashBlock, data, msg.offset);
    if (c.got === c.expected) {
      this.#end(key, c);
      this.#store(key, c.pieces);
    }
    return null;
  }

  /** A receiver found a relay-carried chunk bad: never serve it again. */
  evict(fileHex: string, chunk: number): void {
    const key = keyOf(fileHex, chunk);
    const bytes = this.#cache.get(key);
    if (bytes) {
      this.#cache.delete(key);
      this.#cacheBytes -= bytes.byteLength;
    }
  }

  /** Forgets every cached chunk of a file (the author stopped sharing). */
  dropFile(fileHex: string): void {
    for (const [key, bytes] of [...this.#cache]) {
      if (!key.startsWith(`${fileHex}:`)) continue;
      this.#cache.delete(key);
      this.#cacheBytes -= bytes.byteLength;
    }
    for (const [key, c] of [...this.#carriages]) if (c.file.idHex === fileHex) this.#end(key, c);
  }

  /** A session ended: it waits for nothing, and carriages it was serving fail for their waiters. */
  forgetSession(sessionId: number): void {
    for (const [key, c] of [...this.#carriages]) {
      if (c.holderId === sessionId) {
        for (const w of c.waiters) this.#deps.send(w, { case: 'fileError', value: { fileId: c.file.manifest.fileId, code: ErrorCode.FILE_PEER_GONE, context: 'relay_want', chunk: c.chunk } });
        this.#end(key, c);
      } else if (c.waiters.delete(sessionId)) {
        this.#dec(sessionId);
      }
    }
    this.#waiting.delete(sessionId);
  }

  #sendPieces(to: number, fileId: Uint8Array, chunk: number, hashBlock: boolean, data: Uint8Array, baseOffset: number): void {
    for (let o = 0; o < data.byteLength; o += MAX_RELAY_PIECE_BYTES) {
      const part = data.subarray(o, o + MAX_RELAY_PIECE_BYTES);
      if (this.#deps.send(to, { case: 'fileRelayPiece', value: { fileId, chunk, offset: baseOffset + o, data: part, hashBlock } })) this.counters.bytesOut += part.byteLength;
    }
  }

  #addWaiter(c: Carriage, id: number): void {
    c.waiters.add(id);
    this.#waiting.set(id, (this.#waiting.get(id) ?? 0) + 1);
  }

  #dec(id: number): void {
    const n = (this.#waiting.get(id) ?? 1) - 1;
    if (n <= 0) this.#waiting.delete(id);
    else this.#waiting.set(id, n);
  }

  #end(key: string, c: Carriage): void {
    this.#carriages.delete(key);
    for (const w of c.waiters) this.#dec(w);
  }

  #store(key: string, pieces: Uint8Array[]): void {
    const max = this.#deps.limits.fallbackCacheBytes;
    const total = pieces.reduce((n, p) => n + p.byteLength, 0);
    if (total > max) return;
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const p of pieces) {
      bytes.set(p, o);
      o += p.byteLength;
    }
    while (this.#cacheBytes + total > max) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cacheBytes -= this.#cache.get(oldest)!.byteLength;
      this.#cache.delete(oldest);
    }
    this.#cache.set(key, bytes);
    this.#cacheBytes += total;
  }
}
