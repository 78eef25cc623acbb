/**
 * The receiving side of a file swarm, as pure state (issue 16): which chunks
 * are held, which are asked of whom, what each peer has, and whether a chunk
 * that arrived is the one the signed manifest names. SwarmMember drives it, for
 * the browser and the node test peer alike (the node peer's relay-fallback
 * download uses it directly); neither sockets nor storage live here.
 *
 * Scheduling: each peer gets the rarest chunk (fewest connected peers have it)
 * that it holds, we lack and nobody is fetching, so downloaders fan out over
 * different chunks and pass them on (a tree instead of a star). A chunk that
 * fails its hash marks its peer bad: that peer gets no more requests, its
 * outstanding chunks go back to the pool, and the caller drops the connection
 * and reports it (`FileBadChunk`).
 *
 * A peer may refuse a chunk (a super-seeding sender that already handed it
 * out, files/super-seeder.ts): that chunk is not asked of that peer again
 * until a peer leaves or the caller learns of new peers ({@link
 * SwarmReceiver.retryRefused}), so a refusal never turns into a request loop.
 * Each receiver starts its scan at its own offset (`spread`), so receivers
 * that know the same peers ask them for different chunks first.
 */
import { Bitfield, checkHashBlock, chunkCount, chunkLength, HASH_BLOCK_CHUNKS, sameDigest, sha256 } from '../proto/index.ts';
import type { FileManifestFields } from '../proto/index.ts';

/** What a received piece did. */
export type PieceOutcome =
  | { readonly kind: 'partial' }
  | { readonly kind: 'chunk'; readonly chunk: number; readonly data: Uint8Array }
  | { readonly kind: 'bad'; readonly chunk: number; readonly peer: string }
  | { readonly kind: 'unexpected' };

interface InFlight {
  readonly peer: string;
  readonly parts: Uint8Array[];
  got: number;
}

/** One download's state. `peer` ids are the caller's (e.g. a session id as text). */
export class SwarmReceiver {
  readonly have: Bitfield;
  readonly chunks: number;
  readonly #m: FileManifestFields;
  readonly #hashes: (Uint8Array[] | undefined)[];
  /** Raw hash blocks as checked (a holder serves them on). */
  readonly #blocks: (Uint8Array | undefined)[];
  readonly #peers = new Map<string, Bitfield>();
  readonly #bad = new Set<string>();
  readonly #inFlight = new Map<number, InFlight>();
  /** Per peer: chunks it refused ("peer:chunk"). */
  readonly #refused = new Set<string>();
  readonly #start: number;

  /** `have`: chunks already stored (resume). `spread`: where this receiver's scan starts (any integer). */
  constructor(manifest: FileManifestFields, have?: Bitfield, spread = 0) {
    this.#m = manifest;
    this.chunks = chunkCount(manifest.size, manifest.chunkSize);
    this.have = have ?? new Bitfield(this.chunks);
    this.#start = ((Math.trunc(spread) % this.chunks) + this.chunks) % this.chunks;
    this.#hashes = new Array<Uint8Array[] | undefined>(manifest.hashBlockSha256.length);
    this.#blocks = new Array<Uint8Array | undefined>(manifest.hashBlockSha256.length);
  }

  /** All chunks held. */
  get complete(): boolean {
    return this.have.complete;
  }

  /** Hash blocks still missing (ask a peer for them before requesting their chunks). */
  missingHashBlocks(): number[] {
    const out: number[] = [];
    for (let b = 0; b < this.#hashes.length; b++) if (!this.#hashes[b]) out.push(b);
    return out;
  }

  /** A hash block (a peer's, the store's or the sharer's own); false (and unused) if it does not match the manifest. */
  async addHashBlock(block: number, data: Uint8Array): Promise<boolean> {
    if (this.#blocks[block]) return true;
    const hashes = await checkHashBlock(this.#m, block, data);
    if (!hashes) return false;
    this.#hashes[block] = hashes;
    this.#blocks[block] = data.slice();
    return true;
  }

  /** Hash block `block` as checked (to serve), or undefined while unknown. */
  hashBlock(block: number): Uint8Array | undefined {
    return this.#blocks[block];
  }

  /** Whether `data` is chunk `chunk` by the manifest (its hash block must be known): a holder checks before serving, so a damaged store never spreads bad bytes. */
  async verify(chunk: number, data: Uint8Array): Promise<boolean> {
    const expected = this.#hashes[Math.floor(chunk / HASH_BLOCK_CHUNKS)]?.[chunk % HASH_BLOCK_CHUNKS];
    if (!expected || chunk >= this.chunks || data.byteLength !== chunkLength(this.#m.size, this.#m.chunkSize, chunk)) return false;
    return sameDigest(await sha256(data), expected);
  }

  /** Forgets every request in flight (the download stopped; pieces still arriving are ignored). */
  abandon(): void {
    this.#inFlight.clear();
  }

  /** A peer's bitfield (on connect and on every update). */
  peerHas(peer: string, bits: Bitfield): void {
    if (bits.size === this.chunks) this.#peers.set(peer, bits);
  }

  /** Whether `peer` served a bad chunk. */
  isBad(peer: string): boolean {
    return this.#bad.has(peer);
  }

  /** A peer went away: its outstanding chunks can be asked of others. */
  peerGone(peer: string): void {
    this.#peers.delete(peer);
    for (const [chunk, f] of this.#inFlight) if (f.peer === peer) this.#inFlight.delete(chunk);
    // A departure gives a super-seeder its copies back: what it refused may now be served.
    this.#refused.clear();
  }

  /** Chunks asked of anyone and not yet complete. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Forgets every refusal (new peers were named, or one left): refused chunks may be asked again. */
  retryRefused(): void {
    this.#refused.clear();
  }

  /** Chunks asked of `peer` and not yet complete. */
  inFlightOf(peer: string): number {
    let n = 0;
    for (const f of this.#inFlight.values()) if (f.peer === peer) n++;
    return n;
  }

  /**
   * The next chunk to ask of `peer` (and marks it asked), or undefined when
   * it has nothing useful or is bad. Needs that chunk's hash block.
   */
  next(peer: string): number | undefined {
    const bits = this.#peers.get(peer);
    if (!bits || this.#bad.has(peer)) return undefined;
    let best: number | undefined;
    let bestAvail = Infinity;
    for (let k = 0; k < this.chunks; k++) {
      const i = (this.#start + k) % this.chunks;
      if (this.have.has(i) || this.#inFlight.has(i) || !bits.has(i) || this.#refused.has(`${peer}:${i}`) || !this.#hashes[Math.floor(i / HASH_BLOCK_CHUNKS)]) continue;
      let avail = 0;
      for (const [p, b] of this.#peers) if (!this.#bad.has(p) && b.has(i)) avail++;
      if (avail < bestAvail) {
        best = i;
        bestAvail = avail;
        if (avail <= 1) break;
      }
    }
    if (best !== undefined) this.#inFlight.set(best, { peer, parts: [], got: 0 });
    return best;
  }

  /** A piece of `chunk` from `peer`, at `offset`. When the chunk is whole its hash decides. */
  async piece(peer: string, chunk: number, offset: number, data: Uint8Array): Promise<PieceOutcome> {
    const f = this.#inFlight.get(chunk);
    // Pieces of a request given up (released, abandoned, or its peer was replaced) are harmless.
    if (!f || f.peer !== peer) return { kind: 'unexpected' };
    // Out of order from the peer it was asked of: a fault of that peer.
    if (offset !== f.got) return this.#badChunk(peer, chunk);
    const length = chunkLength(this.#m.size, this.#m.chunkSize, chunk);
    if (f.got + data.byteLength > length) return this.#badChunk(peer, chunk);
    f.parts.push(data.slice());
    f.got += data.byteLength;
    if (f.got < length) return { kind: 'partial' };
    const whole = new Uint8Array(length);
    let o = 0;
    for (const p of f.parts) {
      whole.set(p, o);
      o += p.byteLength;
    }
    const expected = this.#hashes[Math.floor(chunk / HASH_BLOCK_CHUNKS)]?.[chunk % HASH_BLOCK_CHUNKS];
    const good = !!expected && sameDigest(await sha256(whole), expected);
    // While hashing, other chunks of the same peer may have been judged: one bad peer is reported once.
    if (!good) return this.#bad.has(peer) ? { kind: 'unexpected' } : this.#badChunk(peer, chunk);
    if (this.#inFlight.get(chunk) === f) this.#inFlight.delete(chunk);
    // Checked bytes are kept even if their peer left meanwhile, unless the chunk came twice.
    if (!this.have.set(chunk)) return { kind: 'unexpected' };
    return { kind: 'chunk', chunk, data: whole };
  }

  /** A checked chunk could not be stored: it is not held and may be asked again. */
  unhold(chunk: number): void {
    if (chunk >= 0 && chunk < this.chunks) this.have.clear(chunk);
  }

  /** A peer refused a chunk: someone else may be asked; that peer is not asked for it again until {@link retryRefused}. False when it was not asked of that peer. */
  release(peer: string, chunk: number): boolean {
    if (this.#inFlight.get(chunk)?.peer !== peer) return false;
    this.#inFlight.delete(chunk);
    this.#refused.add(`${peer}:${chunk}`);
    return true;
  }

  /** Whether `peer` is asked for `chunk` now. */
  isAsked(peer: string, chunk: number): boolean {
    return this.#inFlight.get(chunk)?.peer === peer;
  }

  #badChunk(peer: string, chunk: number): PieceOutcome {
    this.#bad.add(peer);
    this.peerGone(peer);
    return { kind: 'bad', chunk, peer };
  }
}

/** Hashes a whole file's chunks: what a sender needs to build its manifest. */
export async function chunkHashes(file: Uint8Array, chunkSize: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let o = 0; o < file.byteLength; o += chunkSize) out.push(await sha256(file.subarray(o, o + chunkSize)));
  return out;
}
