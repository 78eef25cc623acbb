/**
 * One file's place in the swarm on this browser: serves the chunks it holds
 * to every linked peer, and while downloading asks peers for the chunks it
 * lacks (a few in flight per peer, rarest first), checks each against the
 * signed manifest (through its hash block) before storing it, and drops a
 * peer that sends a bad one (the chunk is then asked of someone else).
 * Resumes from the chunks the store already holds. Speaks `FileWire`
 * (file-wire.ts) on each peer's FrameLink. Every state change goes through `#emit`.
 */
import { ErrorCode } from '../../proto/index.ts';
import { Bitfield, decodeBitfield } from '../../proto/bitfield.ts';
import { chunkCount } from '../../proto/file-manifest.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import { toHex } from '../../proto/bytes.ts';
import { ChunkAssembly, pieces } from './chunk-assembly.ts';
import { chunkLength } from './chunk-hash.ts';
import type { ChunkStore } from './chunk-store.ts';
import { FileError } from './file-errors.ts';
import type { FrameLink } from './frame-link.ts';
import { decodeFileWire, encodeFileWire, MAX_PIECE_BYTES } from './file-wire.ts';
import type { FileWireInit } from './file-wire.ts';
import { pickChunk } from './chunk-picker.ts';
import { HashBook, hashBlockKey } from './hash-book.ts';
import { SpeedMeter, secondsLeft } from './transfer-progress.ts';
import type { TransferProgress } from './transfer-progress.ts';

/** Requests in flight per peer: enough to keep a DataChannel busy across one round trip. */
export const WINDOW_PER_PEER = 8;

/** Where a transfer is. */
export type TransferStatus = 'idle' | 'loading' | 'waiting' | 'downloading' | 'complete' | 'cancelled' | 'failed';

/** A snapshot for the UI. */
export interface TransferView {
  readonly fileId: string;
  readonly status: TransferStatus;
  readonly progress: TransferProgress;
  /** Why it failed (`failed`), or the last peer problem; null otherwise. */
  readonly error: FileError | null;
  /** Whether chunks held here are served to others. */
  readonly seeding: boolean;
}

/** Adapters and callbacks of a transfer. */
export interface FileTransferDeps {
  readonly manifest: FileManifestFields;
  readonly store: ChunkStore;
  readonly now: () => number;
  readonly onChange: (view: TransferView) => void;
  /** Hash blocks the sharer computed (it knows them without asking). */
  readonly hashBlocks?: readonly Uint8Array[];
  /** A peer sent a chunk that failed its hash: the caller reports it to the relay. */
  readonly onBadPeer?: (peerId: string, index: number) => void;
  /** A chunk became held (the caller tells the tracker). */
  readonly onHave?: (index: number) => void;
}

interface Peer {
  readonly link: FrameLink;
  has: Bitfield | null;
  readonly inFlight: Map<number, ChunkAssembly>;
  /** Chunks it said it lacks. */
  readonly lacks: Set<number>;
  /** A hash block asked of it. */
  block: number | null;
  /** It said it cannot serve hash blocks (asked again only after its next `have`). */
  noBlocks: boolean;
}

/** The swarm member for one file. */
export class FileTransfer {
  readonly #deps: FileTransferDeps;
  readonly #fileId: Uint8Array;
  readonly #hex: string;
  readonly #chunks: number;
  readonly #hashes: HashBook;
  readonly #peers = new Map<string, Peer>();
  readonly #held: Bitfield;
  readonly #speed = new SpeedMeter();
  #heldBytes = 0;
  /** Chunks loaded from the store at start, and fetched since (the resume counters). */
  #resumed = 0;
  #fetched = 0;
  #fetchedViaRelay = 0;
  #status: TransferStatus = 'idle';
  #error: FileError | null = null;
  #seeding = true;
  readonly #loaded: Promise<void>;

  constructor(deps: FileTransferDeps) {
    this.#deps = deps;
    this.#fileId = deps.manifest.fileId;
    this.#hex = toHex(deps.manifest.fileId);
    this.#chunks = chunkCount(deps.manifest.size, deps.manifest.chunkSize);
    this.#held = new Bitfield(this.#chunks);
    this.#hashes = new HashBook(deps.manifest);
    this.#loaded = this.#load();
  }

  /** Hex file id. */
  get fileId(): string {
    return this.#hex;
  }

  /** Resolves once held chunks and hash blocks are loaded (reload resume). */
  get loaded(): Promise<void> {
    return this.#loaded;
  }

  /** Chunks held, as the tracker's bitfield. */
  get held(): Bitfield {
    return this.#held;
  }

  get view(): TransferView {
    const size = this.#deps.manifest.size;
    const rate = this.#speed.rate(this.#deps.now());
    const senders = [...this.#peers.values()].filter((p) => p.inFlight.size > 0);
    const paths = new Set(senders.map((p) => p.link.path));
    return {
      fileId: this.#hex,
      status: this.#status,
      error: this.#error,
      seeding: this.#seeding,
      progress: {
        heldBytes: this.#heldBytes,
        totalBytes: size,
        heldChunks: this.#held.count,
        totalChunks: this.#chunks,
        bytesPerSecond: rate,
        peers: senders.length,
        directPeers: senders.filter((p) => p.link.path === 'direct').length,
        resumedChunks: this.#resumed,
        fetchedChunks: this.#fetched,
        relayChunks: this.#fetchedViaRelay,
        secondsLeft: secondsLeft(size - this.#heldBytes, rate),
        path: paths.size === 0 ? 'none' : paths.size === 2 ? 'mixed' : paths.has('relay') ? 'relay' : 'direct',
      },
    };
  }

  /** Starts (or resumes) fetching the missing chunks. */
  async download(): Promise<void> {
    await this.#loaded;
    if (this.#status === 'complete') return;
    this.#error = null;
    this.#setStatus('downloading');
    this.#fill();
  }

  /** Stops fetching; chunks held stay (a later download resumes). */
  cancel(): void {
    if (this.#status !== 'downloading' && this.#status !== 'waiting') return;
    for (const p of this.#peers.values()) p.inFlight.clear();
    this.#setStatus('cancelled');
  }

  /** Stops or restarts serving chunks to others. */
  setSeeding(on: boolean): void {
    this.#seeding = on;
    this.#emit();
  }

  /** Adds a link to `peerId`; `has` is what the tracker says it holds (null: unknown, ask and accept rejects). */
  addPeer(peerId: string, link: FrameLink, has: Bitfield | null = null): void {
    this.removePeer(peerId);
    const peer: Peer = { link, has, inFlight: new Map(), lacks: new Set(), block: null, noBlocks: false };
    this.#peers.set(peerId, peer);
    link.onFrame = (bytes) => void this.#onFrame(peerId, peer, bytes).catch((e) => console.warn(`file frame failed [reason:${String(e)}]`));
    link.onClose = () => {
      if (this.#peers.get(peerId) === peer) this.removePeer(peerId);
    };
    void this.#loaded.then(() => this.#send(peer, { msg: { case: 'have', value: { fileId: this.#fileId, bitfield: this.#held.complete ? new Uint8Array(0) : this.#held.toBytes(), complete: this.#held.complete } } }));
    if (this.#status === 'waiting') this.#setStatus('downloading');
    this.#fill();
  }

  /** Forgets `peerId`; its requests in flight go to other peers. */
  removePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.link.onFrame = null;
    peer.link.onClose = null;
    peer.link.close();
    this.#fill();
    this.#emit();
  }

  /** Hash block `b` once known (what a holder serves the relay), or null. */
  hashBlock(b: number): Uint8Array | null {
    return this.#hashes.block(b);
  }

  /** Peers linked now. */
  get peerIds(): string[] {
    return [...this.#peers.keys()];
  }

  /** Forgets every link. */
  close(): void {
    for (const id of [...this.#peers.keys()]) this.removePeer(id);
  }

  async #load(): Promise<void> {
    this.#setStatus('loading');
    const { store } = this.#deps;
    const given = this.#deps.hashBlocks ?? [];
    for (let b = 0; b < given.length; b++) if (await this.#hashes.learn(b, given[b]!)) await store.put(hashBlockKey(this.#hex), b, given[b]!).catch(() => {});
    await this.#hashes.loadFrom(store, this.#hex);
    for (const i of await store.indices(this.#hex)) {
      if (i >= this.#chunks || this.#held.has(i)) continue;
      this.#held.set(i);
      this.#heldBytes += chunkLength(this.#deps.manifest, i);
    }
    this.#resumed = this.#held.count;
    this.#setStatus(this.#held.complete ? 'complete' : 'idle');
  }

  #send(peer: Peer, msg: FileWireInit): void {
    void peer.link.send(encodeFileWire(msg)).catch(() => {});
  }

  async #onFrame(peerId: string, peer: Peer, bytes: Uint8Array): Promise<void> {
    if (this.#peers.get(peerId) !== peer) return;
    const decoded = decodeFileWire(bytes);
    if (!decoded.ok) return this.#drop(peerId, new FileError('bad-frame', `bad frame from ${peerId}`), -1);
    const m = decoded.msg;
    switch (m.case) {
      case 'request':
        return this.#serve(peer, m.value.chunk);
      case 'hashRequest': {
        const block = this.#hashes.block(m.value.block);
        if (block) this.#send(peer, { msg: { case: 'hashBlock', value: { fileId: this.#fileId, block: m.value.block, data: block } } });
        else this.#send(peer, { msg: { case: 'reject', value: { fileId: this.#fileId, chunk: 0, code: ErrorCode.FILE_PEER_GONE } } });
        return;
      }
      case 'have': {
        const f = m.value.complete ? { ok: true as const, value: new Bitfield(this.#chunks, true) } : decodeBitfield(m.value.bitfield, this.#chunks);
        if (!f.ok) return this.#drop(peerId, new FileError('bad-frame', 'bad bitfield'), -1);
        peer.has = f.value;
        peer.lacks.clear();
        peer.noBlocks = false;
        if (this.#status === 'waiting') this.#setStatus('downloading');
        return this.#fill();
      }
      case 'hashBlock': {
        if (peer.block !== m.value.block) return this.#drop(peerId, new FileError('bad-frame', 'unasked hash block'), -1);
        peer.block = null;
        if (!(await this.#hashes.learn(m.value.block, m.value.data))) return this.#drop(peerId, new FileError('bad-chunk', 'bad hash block'), -1);
        await this.#deps.store.put(hashBlockKey(this.#hex), m.value.block, m.value.data).catch(() => {});
        return this.#fill();
      }
      case 'reject':
        if (peer.inFlight.delete(m.value.chunk)) peer.lacks.add(m.value.chunk);
        else if (peer.block !== null) {
          peer.block = null;
          peer.noBlocks = true;
        }
        return this.#fill();
      case 'piece':
        return this.#onPiece(peerId, peer, m.value.chunk, m.value.offset, m.value.data);
    }
  }

  async #serve(peer: Peer, index: number): Promise<void> {
    const reject = (): void => this.#send(peer, { msg: { case: 'reject', value: { fileId: this.#fileId, chunk: index, code: ErrorCode.FILE_PEER_GONE } } });
    const bytes = this.#seeding && this.#held.has(index) ? await this.#deps.store.get(this.#hex, index) : null;
    if (!bytes) return reject();
    try {
      // Checked again before serving: a damaged disk never spreads bad data.
      await this.#hashes.verify(index, bytes);
    } catch {
      return reject();
    }
    for (const p of pieces(bytes, MAX_PIECE_BYTES)) {
      await peer.link.send(encodeFileWire({ msg: { case: 'piece', value: { fileId: this.#fileId, chunk: index, offset: p.offset, data: p.data } } })).catch(() => {});
    }
  }

  async #onPiece(peerId: string, peer: Peer, index: number, offset: number, data: Uint8Array): Promise<void> {
    const assembly = peer.inFlight.get(index);
    if (!assembly) {
      // Pieces still arriving for a request we cancelled are harmless; anything else is a fault.
      // (A failed download cleared its requests too: the quota error stays the one shown.)
      if (this.#status === 'cancelled' || this.#status === 'failed' || this.#held.has(index)) return;
      return this.#drop(peerId, new FileError('bad-frame', `unasked chunk ${index} from ${peerId}`), index);
    }
    const chunk = assembly.add(offset, data);
    if (chunk === 'bad') return this.#drop(peerId, new FileError('bad-frame', `piece out of order from ${peerId}`), index);
    if (chunk === null) return;
    try {
      await this.#hashes.verify(index, chunk);
    } catch (e) {
      if (this.#peers.get(peerId) !== peer) return;
      return this.#drop(peerId, e instanceof FileError ? e : new FileError('bad-chunk', 'check failed', { cause: e }), index);
    }
    peer.inFlight.delete(index);
    if (this.#held.has(index) || this.#status !== 'downloading') return this.#fill();
    try {
      await this.#deps.store.put(this.#hex, index, chunk);
    } catch (e) {
      this.#error = e instanceof FileError ? e : new FileError('storage-unavailable', 'store failed', { cause: e });
      for (const p of this.#peers.values()) p.inFlight.clear();
      return this.#setStatus('failed');
    }
    if (!this.#held.set(index)) return this.#fill();
    this.#heldBytes += chunk.byteLength;
    this.#fetched++;
    if (peer.link.path === 'relay') this.#fetchedViaRelay++;
    this.#speed.add(this.#deps.now(), chunk.byteLength);
    this.#deps.onHave?.(index);
    if (this.#held.complete) {
      for (const p of this.#peers.values()) p.inFlight.clear();
      return this.#setStatus('complete');
    }
    this.#fill();
    this.#emit();
  }

  #drop(peerId: string, error: FileError, index: number): void {
    this.#error = error;
    if (error.code === 'bad-chunk') this.#deps.onBadPeer?.(peerId, index);
    this.removePeer(peerId);
  }

  #peerHas(p: Peer, i: number): boolean {
    return !p.lacks.has(i) && (p.has ? p.has.has(i) : true);
  }

  /** Asks for missing hash blocks, then tops up every peer's window with chunks nobody is fetching yet. */
  #fill(): void {
    if (this.#status !== 'downloading' && this.#status !== 'waiting') return;
    const inFlight = new Set<number>();
    const blocksAsked = new Set<number>();
    for (const p of this.#peers.values()) {
      for (const i of p.inFlight.keys()) inFlight.add(i);
      if (p.block !== null) blocksAsked.add(p.block);
    }
    const wanted: number[] = [];
    const blocksNeeded = new Set<number>();
    for (let i = 0; i < this.#chunks; i++) {
      if (this.#held.has(i) || inFlight.has(i)) continue;
      if (this.#hashes.knows(i)) wanted.push(i);
      else blocksNeeded.add(this.#hashes.blockOf(i));
    }
    const all = [...this.#peers.values()];
    for (const b of blocksNeeded) {
      if (blocksAsked.has(b)) continue;
      const peer = all.find((p) => p.block === null && !p.noBlocks && p.inFlight.size === 0 && (p.has === null || p.has.count > 0));
      if (!peer) break;
      peer.block = b;
      blocksAsked.add(b);
      this.#send(peer, { msg: { case: 'hashRequest', value: { fileId: this.#fileId, block: b } } });
    }
    for (const peer of all) {
      while (peer.inFlight.size < WINDOW_PER_PEER && wanted.length) {
        const index = pickChunk(wanted, { has: (i) => this.#peerHas(peer, i) }, all.filter((o) => o !== peer).map((o) => ({ has: (i: number) => this.#peerHas(o, i) })));
        if (index === null) break;
        wanted.splice(wanted.indexOf(index), 1);
        peer.inFlight.set(index, new ChunkAssembly(chunkLength(this.#deps.manifest, index)));
        this.#send(peer, { msg: { case: 'request', value: { fileId: this.#fileId, chunk: index } } });
      }
    }
    // Nobody linked holds what is missing: say so instead of showing a stalled bar.
    const busy = all.some((p) => p.inFlight.size > 0 || p.block !== null);
    const next = busy ? 'downloading' : 'waiting';
    if (next !== this.#status) this.#setStatus(next);
  }

  #setStatus(status: TransferStatus): void {
    this.#status = status;
    this.#emit();
  }

  #emit(): void {
    this.#deps.onChange(this.view);
  }
}
