/**
 * One file's place in the swarm on this browser: the thin adapter around the
 * shared core (files/swarm-member.ts), which serves, downloads, tells peers
 * and the tracker what is held, and asks for more peers when stalled. Here
 * live only what is the browser's: each peer's FrameLink (frames encoded and
 * decoded with limits, file-wire.ts), the chunk store (resume from the
 * chunks and hash blocks it holds), and the view the UI shows (status,
 * progress, the last peer problem). Every state change goes through `#emit`.
 */
import { Bitfield } from '../../proto/bitfield.ts';
import { chunkCount } from '../../proto/file-manifest.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import { toHex } from '../../proto/bytes.ts';
import { SwarmMember, systemClock } from '../../files/index.ts';
import type { SwarmClock, SwarmPorts, WireOut } from '../../files/index.ts';
import { chunkLength } from './chunk-hash.ts';
import type { ChunkStore } from './chunk-store.ts';
import { FileError } from './file-errors.ts';
import type { FrameLink } from './frame-link.ts';
import { decodeFileWire, encodeFileWire } from './file-wire.ts';
import { hashBlockKey } from './hash-book.ts';
import { SpeedMeter, secondsLeft } from './transfer-progress.ts';
import type { TransferProgress } from './transfer-progress.ts';

export { WINDOW_PER_PEER } from '../../files/index.ts';


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
  /** Timers of the batched announcements and the stalled re-ask (default: the host's). */
  readonly clock?: SwarmClock;
  /** Hash blocks the sharer computed (it knows them without asking). */
  readonly hashBlocks?: readonly Uint8Array[];
  /** Super-seed with this many live copies per chunk (the file's original sender); absent: serve every request. */
  readonly seedCopies?: number;
  /** Where this browser's chunk scan starts (downloaders of one sender ask it for different chunks first). */
  readonly spread?: number;
  /** A peer sent a chunk that failed its hash: the caller reports it to the relay. */
  readonly onBadPeer?: (peerId: string, index: number) => void;
  /** Asks the tracker for peers; false when offline. */
  readonly wantPeers?: () => boolean;
  /** Tells the tracker what is held (batched by the core). */
  readonly announce?: (held: Bitfield) => void;
}

/** The swarm member for one file. */
export class FileTransfer {
  readonly #deps: FileTransferDeps;
  readonly #hex: string;
  readonly #chunks: number;
  readonly #links = new Map<string, FrameLink>();
  /** Peers whose link is the relay's: a chunk still counts as carried by the relay when it lands after the link closed. */
  readonly #relayPeers = new Set<string>();
  readonly #held: Bitfield;
  readonly #member: SwarmMember;
  readonly #speed = new SpeedMeter();
  #heldBytes = 0;
  /** Chunks loaded from the store at start, and fetched since (the resume counters). */
  #resumed = 0;
  #fetched = 0;
  #fetchedViaRelay = 0;
  #loading = true;
  #cancelled = false;
  #error: FileError | null = null;
  #shownFailure: unknown = null;
  readonly #loaded: Promise<void>;

  constructor(deps: FileTransferDeps) {
    this.#deps = deps;
    this.#hex = toHex(deps.manifest.fileId);
    this.#chunks = chunkCount(deps.manifest.size, deps.manifest.chunkSize);
    this.#held = new Bitfield(this.#chunks);
    const clock = deps.clock ?? { ...systemClock(), now: deps.now };
    this.#member = new SwarmMember({
      manifest: deps.manifest,
      ports: this.#ports(),
      clock,
      have: this.#held,
      spread: deps.spread ?? 0,
      ...(deps.seedCopies ? { seedCopies: deps.seedCopies } : {}),
    });
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
    const senders = [...this.#links].filter(([id]) => this.#member.inFlightOf(id) > 0).map(([, l]) => l);
    const paths = new Set(senders.map((l) => l.path));
    return {
      fileId: this.#hex,
      status: this.#status(),
      error: this.#error,
      seeding: this.#member.seeding,
      progress: {
        heldBytes: this.#heldBytes,
        totalBytes: size,
        // Stored chunks only: a chunk still being written (or whose write failed) is not held yet.
        heldChunks: this.#resumed + this.#fetched,
        totalChunks: this.#chunks,
        bytesPerSecond: rate,
        peers: senders.length,
        directPeers: senders.filter((l) => l.path === 'direct').length,
        resumedChunks: this.#resumed,
        fetchedChunks: this.#fetched,
        relayChunks: this.#fetchedViaRelay,
        uploadedBytes: this.#member.counters.uploaded,
        secondsLeft: secondsLeft(size - this.#heldBytes, rate),
        path: paths.size === 0 ? 'none' : paths.size === 2 ? 'mixed' : paths.has('relay') ? 'relay' : 'direct',
      },
    };
  }

  /** Starts (or resumes) fetching the missing chunks. */
  async download(): Promise<void> {
    await this.#loaded;
    if (this.#member.complete) return;
    this.#error = null;
    this.#cancelled = false;
    this.#member.start();
    this.#emit();
  }

  /** Stops fetching; chunks held stay (a later download resumes). */
  cancel(): void {
    if (!this.#member.active) return;
    this.#cancelled = true;
    this.#member.stop();
  }

  /** Stops or restarts serving chunks to others. */
  setSeeding(on: boolean): void {
    this.#member.setSeeding(on);
  }

  /** Adds a link to `peerId`; `has` is what the tracker says it holds (null: wait for its `have`). The relay's link is a carrier. */
  addPeer(peerId: string, link: FrameLink, has: Bitfield | null = null): void {
    this.removePeer(peerId);
    this.#links.set(peerId, link);
    if (link.path === 'relay') this.#relayPeers.add(peerId);
    else this.#relayPeers.delete(peerId);
    link.onFrame = (bytes) => {
      if (this.#links.get(peerId) !== link) return;
      const decoded = decodeFileWire(bytes);
      if (!decoded.ok) return this.#fault(peerId, new FileError('bad-frame', `bad frame from ${peerId}`));
      this.#member.onWire(peerId, decoded.msg).catch((e) => console.warn(`file frame failed [reason:${String(e)}]`));
    };
    link.onClose = () => {
      if (this.#links.get(peerId) === link) this.removePeer(peerId);
    };
    this.#member.addPeer(peerId, link.path === 'relay' ? { carrier: true } : { hint: has });
    this.#emit();
  }

  /** Forgets `peerId`; its requests in flight go to other peers. */
  removePeer(peerId: string): void {
    if (!this.#unlink(peerId)) return;
    this.#member.removePeer(peerId);
    this.#emit();
  }

  /** The tracker answered a want-peers: `named` sessions (as peer ids), `fresh` of them new to this file. */
  trackerAnswered(named: readonly string[], fresh: number): void {
    this.#member.trackerAnswered(named, fresh);
  }

  /** The tracker refused a want-peers (rate limited): asked again after a back-off. */
  trackerRefused(): void {
    this.#member.trackerRefused();
  }

  /** Signed in again: a want-peers lost with the old socket is asked again. */
  online(): void {
    this.#member.online();
  }

  /** Hash block `b` once known (what a holder serves the relay), or null. */
  hashBlock(b: number): Uint8Array | null {
    return this.#member.hashBlock(b);
  }

  /** Peers linked now. */
  get peerIds(): string[] {
    return [...this.#links.keys()];
  }

  /** Forgets every link and stops the core's timers (the file is dropped or stopped). */
  close(): void {
    for (const id of [...this.#links.keys()]) this.removePeer(id);
    this.#member.close();
  }

  #status(): TransferStatus {
    if (this.#loading) return 'loading';
    if (this.#member.complete) return 'complete';
    if (this.#member.failure !== null) return 'failed';
    if (this.#member.active) return this.#member.busy ? 'downloading' : 'waiting';
    return this.#cancelled ? 'cancelled' : 'idle';
  }

  #ports(): SwarmPorts {
    const { store } = this.#deps;
    return {
      send: async (peer: string, msg: WireOut) => {
        const link = this.#links.get(peer);
        if (!link) return false;
        try {
          await link.send(encodeFileWire({ msg }));
          return true;
        } catch {
          return false;
        }
      },
      chunk: (i) => store.get(this.#hex, i),
      keep: (i, data) => store.put(this.#hex, i, data),
      keepHashBlock: (b, data) => store.put(hashBlockKey(this.#hex), b, data).catch(() => {}),
      wantPeers: () => this.#deps.wantPeers?.() ?? false,
      announce: (held) => this.#deps.announce?.(held),
      fault: (peer, code, chunk) => {
        this.#error = new FileError(code, code === 'bad-chunk' ? `bad chunk or hash block from ${peer}` : `bad frame from ${peer}`);
        if (code === 'bad-chunk') this.#deps.onBadPeer?.(peer, chunk);
        this.#unlink(peer);
        this.#emit();
      },
      gotChunk: (peer, _index, bytes) => {
        this.#heldBytes += bytes;
        this.#fetched++;
        if (this.#relayPeers.has(peer)) this.#fetchedViaRelay++;
        this.#speed.add(this.#deps.now(), bytes);
      },
      changed: () => {
        const failure = this.#member.failure;
        // A failed store (e.g. over quota) is the error shown, once, until the next download.
        if (failure !== null && this.#shownFailure !== failure) {
          this.#shownFailure = failure;
          this.#error = failure instanceof FileError ? failure : new FileError('storage-unavailable', 'store failed', { cause: failure });
        }
        this.#emit();
      },
    };
  }

  /** A peer broke the protocol (a frame that does not decode): dropped. */
  #fault(peerId: string, error: FileError): void {
    this.#error = error;
    this.removePeer(peerId);
  }

  /** Closes and forgets `peerId`'s link; false if there was none. */
  #unlink(peerId: string): boolean {
    const link = this.#links.get(peerId);
    if (!link) return false;
    this.#links.delete(peerId);
    link.onFrame = null;
    link.onClose = null;
    link.close();
    return true;
  }

  async #load(): Promise<void> {
    const { store } = this.#deps;
    const given = this.#deps.hashBlocks ?? [];
    for (let b = 0; b < given.length; b++) if (await this.#member.learnHashBlock(b, given[b]!)) await store.put(hashBlockKey(this.#hex), b, given[b]!).catch(() => {});
    for (const b of await store.indices(hashBlockKey(this.#hex))) {
      const data = await store.get(hashBlockKey(this.#hex), b);
      if (data) await this.#member.learnHashBlock(b, data);
    }
    for (const i of await store.indices(this.#hex)) {
      if (i >= this.#chunks || this.#held.has(i)) continue;
      this.#held.set(i);
      this.#heldBytes += chunkLength(this.#deps.manifest, i);
    }
    this.#resumed = this.#held.count;
    this.#loading = false;
    // Links made while loading were told what was held before the store was read.
    this.#member.refreshHave();
    this.#emit();
  }

  #emit(): void {
    this.#deps.onChange(this.view);
  }
}
