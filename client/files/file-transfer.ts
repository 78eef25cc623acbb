/**
 * One file's place in the swarm on this browser: serves the chunks it holds
 * to every linked peer, and while downloading asks peers for the chunks it
 * lacks (a few in flight per peer, rarest first), checks each against the
 * manifest before storing it, and drops a peer that sends a bad one (the
 * chunk is then asked of someone else). Resumes from the chunks the store
 * already holds. Every state change goes through `#emit`.
 */
import { chunkLength, verifyChunk } from './chunk-hash.ts';
import type { ChunkLayout } from './chunk-hash.ts';
import type { ChunkStore } from './chunk-store.ts';
import { FileError } from './file-errors.ts';
import type { FrameLink } from './frame-link.ts';
import { pickChunk } from './chunk-picker.ts';
import { decodePeerFrame, encodePeerFrame } from './peer-frames.ts';
import { answerRequest } from './seeder.ts';
import { SpeedMeter, secondsLeft } from './transfer-progress.ts';
import type { TransferProgress } from './transfer-progress.ts';

/** Requests in flight per peer: enough to keep a DataChannel busy across one round trip. */
export const WINDOW_PER_PEER = 16;

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
  readonly fileId: string;
  readonly layout: ChunkLayout;
  readonly store: ChunkStore;
  readonly now: () => number;
  readonly onChange: (view: TransferView) => void;
  /** A peer sent a chunk that failed its hash: the caller reports it to the relay. */
  readonly onBadPeer?: (peerId: string, index: number) => void;
  /** A chunk became held (the caller tells the tracker). */
  readonly onHave?: (index: number) => void;
}

interface Peer {
  readonly link: FrameLink;
  has: ((index: number) => boolean) | null;
  readonly inFlight: Set<number>;
  /** Chunks it said it lacks. */
  readonly lacks: Set<number>;
}

/** The swarm member for one file. */
export class FileTransfer {
  readonly #deps: FileTransferDeps;
  readonly #peers = new Map<string, Peer>();
  readonly #held = new Set<number>();
  readonly #speed = new SpeedMeter();
  #heldBytes = 0;
  #status: TransferStatus = 'idle';
  #error: FileError | null = null;
  #seeding = true;
  #loaded: Promise<void>;

  constructor(deps: FileTransferDeps) {
    this.#deps = deps;
    this.#loaded = this.#load();
  }

  /** Resolves once held chunks are counted (reload resume). */
  get loaded(): Promise<void> {
    return this.#loaded;
  }

  get view(): TransferView {
    const { layout } = this.#deps;
    const now = this.#deps.now();
    const rate = this.#speed.rate(now);
    const senders = [...this.#peers.values()].filter((p) => p.inFlight.size > 0);
    const paths = new Set(senders.map((p) => p.link.path));
    return {
      fileId: this.#deps.fileId,
      status: this.#status,
      error: this.#error,
      seeding: this.#seeding,
      progress: {
        heldBytes: this.#heldBytes,
        totalBytes: layout.size,
        heldChunks: this.#held.size,
        totalChunks: layout.chunkHashes.length,
        bytesPerSecond: rate,
        peers: senders.length,
        secondsLeft: secondsLeft(layout.size - this.#heldBytes, rate),
        path: paths.size === 0 ? 'none' : paths.size === 2 ? 'mixed' : paths.has('relay') ? 'relay' : 'direct',
      },
    };
  }

  /** True when chunk `index` is held. */
  holds(index: number): boolean {
    return this.#held.has(index);
  }

  /** Held chunk indices (for the tracker's bitfield). */
  heldIndices(): number[] {
    return [...this.#held].sort((a, b) => a - b);
  }

  /** Starts (or resumes) fetching the missing chunks. */
  async download(): Promise<void> {
    await this.#loaded;
    if (this.#status === 'complete') return;
    this.#error = null;
    this.#setStatus(this.#peers.size ? 'downloading' : 'waiting');
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

  /**
   * Adds a link to `peerId`. `has` says which chunks it holds (from the
   * tracker's bitfield); null means unknown (ask and accept MISSING).
   */
  addPeer(peerId: string, link: FrameLink, has: ((index: number) => boolean) | null = null): void {
    this.removePeer(peerId);
    const peer: Peer = { link, has, inFlight: new Set(), lacks: new Set() };
    this.#peers.set(peerId, peer);
    link.onFrame = (bytes) => void this.#onFrame(peerId, peer, bytes);
    link.onClose = () => {
      if (this.#peers.get(peerId) === peer) this.removePeer(peerId);
    };
    if (this.#status === 'waiting') this.#setStatus('downloading');
    this.#fill();
  }

  /** The tracker's newer view of what `peerId` holds. */
  updatePeer(peerId: string, has: (index: number) => boolean): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    peer.has = has;
    peer.lacks.clear();
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
    if (this.#status === 'downloading' && this.#peers.size === 0) this.#setStatus('waiting');
    else this.#fill();
    this.#emit();
  }

  /** Peers linked now. */
  get peerIds(): string[] {
    return [...this.#peers.keys()];
  }

  /** Forgets every link (the transfer object is dropped after this). */
  close(): void {
    for (const id of [...this.#peers.keys()]) this.removePeer(id);
  }

  async #load(): Promise<void> {
    this.#setStatus('loading');
    const { store, fileId, layout } = this.#deps;
    for (const i of await store.indices(fileId)) {
      if (i >= layout.chunkHashes.length || this.#held.has(i)) continue;
      this.#held.add(i);
      this.#heldBytes += chunkLength(layout, i);
    }
    this.#setStatus(this.#held.size === layout.chunkHashes.length ? 'complete' : 'idle');
  }

  async #onFrame(peerId: string, peer: Peer, bytes: Uint8Array): Promise<void> {
    if (this.#peers.get(peerId) !== peer) return;
    const decoded = decodePeerFrame(bytes);
    if (!decoded.ok) return this.#drop(peerId, new FileError('bad-frame', `bad frame from ${peerId}`), -1);
    const frame = decoded.frame;
    if (frame.type === 'request') {
      const reply = this.#seeding ? await answerRequest(this.#deps.store, this.#deps.fileId, this.#deps.layout, frame.index) : { type: 'missing' as const, index: frame.index };
      await peer.link.send(encodePeerFrame(reply)).catch(() => {});
      return;
    }
    if (!peer.inFlight.has(frame.index)) return this.#drop(peerId, new FileError('bad-frame', `unasked chunk ${frame.index} from ${peerId}`), frame.index);
    if (frame.type === 'missing') {
      peer.inFlight.delete(frame.index);
      peer.lacks.add(frame.index);
      this.#fill();
      return;
    }
    try {
      await verifyChunk(this.#deps.layout, frame.index, frame.bytes);
    } catch (e) {
      // Frames verified after the peer was dropped change nothing.
      if (this.#peers.get(peerId) !== peer) return;
      return this.#drop(peerId, e instanceof FileError ? e : new FileError('bad-chunk', 'check failed', { cause: e }), frame.index);
    }
    peer.inFlight.delete(frame.index);
    if (this.#held.has(frame.index) || this.#status !== 'downloading') return this.#fill();
    try {
      await this.#deps.store.put(this.#deps.fileId, frame.index, frame.bytes);
    } catch (e) {
      this.#error = e instanceof FileError ? e : new FileError('storage-unavailable', 'store failed', { cause: e });
      for (const p of this.#peers.values()) p.inFlight.clear();
      return this.#setStatus('failed');
    }
    this.#held.add(frame.index);
    this.#heldBytes += frame.bytes.byteLength;
    this.#speed.add(this.#deps.now(), frame.bytes.byteLength);
    this.#deps.onHave?.(frame.index);
    if (this.#held.size === this.#deps.layout.chunkHashes.length) {
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

  /** Tops up every peer's window with chunks nobody is fetching yet. */
  #fill(): void {
    if (this.#status !== 'downloading') return;
    const inFlight = new Set<number>();
    for (const p of this.#peers.values()) for (const i of p.inFlight) inFlight.add(i);
    const wanted: number[] = [];
    for (let i = 0; i < this.#deps.layout.chunkHashes.length; i++) if (!this.#held.has(i) && !inFlight.has(i)) wanted.push(i);
    const all = [...this.#peers.values()];
    for (const peer of all) {
      while (peer.inFlight.size < WINDOW_PER_PEER && wanted.length) {
        const view = { has: (i: number) => !peer.lacks.has(i) && (peer.has ? peer.has(i) : true) };
        const others = all.filter((o) => o !== peer).map((o) => ({ has: (i: number) => !o.lacks.has(i) && (o.has ? o.has(i) : true) }));
        const index = pickChunk(wanted, view, others);
        if (index === null) break;
        wanted.splice(wanted.indexOf(index), 1);
        peer.inFlight.add(index);
        void peer.link.send(encodePeerFrame({ type: 'request', index })).catch(() => peer.inFlight.delete(index));
      }
    }
    // Nobody linked holds what is missing: say so instead of showing a stalled bar.
    if (all.every((p) => p.inFlight.size === 0)) this.#setStatus('waiting');
  }

  #setStatus(status: TransferStatus): void {
    this.#status = status;
    this.#emit();
  }

  #emit(): void {
    this.#deps.onChange(this.view);
  }
}
