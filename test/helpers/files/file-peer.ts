/**
 * A node-side file peer for tests and benches (issue 16): a signed-in
 * TestClient plus node-datachannel links (peer-links.ts) speaking the file
 * protocol (docs/PROTOCOL.md "Files"). Each file it holds, shared or being
 * downloaded, is driven by the product's swarm core, one SwarmMember per
 * file as in the browser (swarm-file.ts): it serves what it holds to every
 * linked peer, downloads from the swarm, and counts the bytes it uploads.
 * Here live the links, the routing of frames and control messages to their
 * file, the relay fallback (serving `FileRelayWant`, and downloading through
 * it, relay-download.ts), and a test's corrupting peer.
 *
 * The original sender super-seeds (files/super-seeder.ts): each chunk goes to
 * at most `copies` linked peers and further requests are refused, so the
 * file leaves its uplink about once and the receivers pass it on.
 */
import { DEFAULT_SEED_COPIES } from '../../../files/index.ts';
import type { FileWire } from '../../../proto/index.ts';
import type { ControlMessage } from '../control-socket.ts';
import type { TestClient } from '../relay-client.ts';
import { PeerLinks } from './peer-links.ts';
import type { Link } from './peer-links.ts';
import { downloadViaRelay } from './relay-download.ts';
import type { FileRef, SharedFile } from './shared-file.ts';
import { SwarmFile } from './swarm-file.ts';
import type { SwarmFileDeps } from './swarm-file.ts';

/** Largest relay piece (relay/files/fallback.ts). */
const RELAY_PIECE_BYTES = 32 * 1024;

/** Counters a test or bench reads (summed over every file this peer holds). */
export interface PeerCounters {
  /** Chunk bytes this peer sent to other peers over DataChannels. */
  readonly uploaded: number;
  /** Chunk bytes this peer sent to the relay (fallback). */
  readonly uploadedToRelay: number;
  /** Chunk requests this peer refused as a super-seeder (the chunk already went to enough peers). */
  readonly refused: number;
  /** Chunks from other peers that failed their hash (each such peer was reported and dropped). */
  readonly badChunksSeen: number;
}

/** Options of a {@link FilePeer}. */
export interface FilePeerOptions {
  /** Chunk indexes this peer serves with one byte flipped. */
  readonly corrupt?: Iterable<number>;
}

/** Options of {@link FilePeer.seed}. */
export interface SeedOptions {
  /** Live copies per chunk before requests are refused; 0 serves every request (a plain seeder). Default {@link DEFAULT_SEED_COPIES}. */
  readonly copies?: number;
}

const hexOf = (id: Uint8Array): string => Buffer.from(id).toString('hex');

/** One node file peer. */
export class FilePeer {
  readonly #client: TestClient;
  readonly #links: PeerLinks;
  readonly #files = new Map<string, SwarmFile>();
  readonly #corrupt: ReadonlySet<number>;
  readonly #untap: () => void;
  #uploadedToRelay = 0;

  constructor(client: TestClient, options: FilePeerOptions = {}) {
    this.#client = client;
    this.#corrupt = new Set(options.corrupt ?? []);
    this.#links = new PeerLinks({ client, onMessage: (link, msg) => this.#onWire(link, msg), onClosed: (id) => this.#peerGone(id) });
    this.#untap = client.socket.tap((m) => this.#onControl(m));
  }

  get sessionId(): number {
    return this.#client.sessionId;
  }

  /** What this peer uploaded and refused, and the bad chunks it saw, over every file it holds. */
  get counters(): PeerCounters {
    let uploaded = 0;
    let refused = 0;
    let badChunksSeen = 0;
    for (const f of this.#files.values()) {
      uploaded += f.counters.uploaded;
      refused += f.counters.refused;
      badChunksSeen += f.counters.badChunks;
    }
    return { uploaded, uploadedToRelay: this.#uploadedToRelay, refused, badChunksSeen };
  }

  /** Holds the whole file and tells the relay (with the manifest); super-seeds it unless `copies` is 0. */
  seed(file: SharedFile, options: SeedOptions = {}): void {
    const hex = hexOf(file.fields.fileId);
    if (this.#files.has(hex)) throw new Error(`already holds this file [file:${hex}]`);
    this.#files.set(hex, new SwarmFile(this.#fileDeps(), { kind: 'seed', file, copies: options.copies ?? DEFAULT_SEED_COPIES }));
    this.#send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, complete: true } });
  }

  /**
   * Downloads `file` from the peers the relay names, checking every chunk;
   * resolves with the bytes. A peer that serves a bad chunk is reported,
   * dropped, and the chunk comes from another. Rejects when the relay's
   * first answer names nobody. `spread` (default: from the session id) is
   * where this receiver starts asking in the file; `reaskEvery` asks the
   * relay for more peers every that many chunks (0: only when stalled).
   * Once complete the file is served on like any other.
   */
  download(file: FileRef, options: { reaskEvery?: number; spread?: number } = {}): Promise<Uint8Array> {
    const hex = hexOf(file.fields.fileId);
    let held = this.#files.get(hex);
    if (!held) {
      held = new SwarmFile(this.#fileDeps(), { kind: 'download', file, reaskEvery: options.reaskEvery ?? 0, spread: options.spread ?? this.sessionId * 7919 });
      this.#files.set(hex, held);
    }
    return held.download();
  }

  /** Downloads `file` entirely through the relay fallback (no direct connection). */
  downloadViaRelay(file: FileRef): Promise<Uint8Array> {
    return downloadViaRelay(this.#client, file);
  }

  /** Closes every file connection and stops every file's timers (the control socket stays). */
  close(): void {
    this.#untap();
    this.#links.close();
    for (const f of this.#files.values()) f.close();
  }

  #fileDeps(): SwarmFileDeps {
    return { client: this.#client, links: this.#links, corrupt: this.#corrupt, onDropped: (id) => this.#peerGone(id) };
  }

  #send(msg: Parameters<TestClient['send']>[0]): void {
    if (this.#client.socket.isOpen) this.#client.send(msg);
  }

  #onControl(m: ControlMessage): void {
    if (m.case === 'fileSignal') this.#links.signal(m.value);
    else if (m.case === 'fileRelayWant') this.#serveRelay(m.value.fileId, m.value.chunk, m.value.hashBlock);
    else if (m.case === 'fileError' && m.value.context === 'signal' && m.value.sessionId !== 0) {
      // The relay could not pass our signal on (that peer left, or we were refused): that connection never opens, so forget it.
      this.#links.drop(m.value.sessionId);
      this.#peerGone(m.value.sessionId);
    } else if (m.case === 'filePeers' || m.case === 'fileError') this.#files.get(hexOf(m.value.fileId))?.onControl(m);
  }

  /** A link closed, failed or was dropped: every file forgets that peer. */
  #peerGone(peerId: number): void {
    for (const f of this.#files.values()) f.peerGone(peerId);
  }

  #onWire(link: Link, msg: FileWire): void {
    if (msg.msg.case === undefined) return;
    this.#files.get(hexOf(msg.msg.value.fileId))?.onWire(link.peerId, msg);
  }

  /** The relay asks for a chunk or hash block (fallback). */
  #serveRelay(fileId: Uint8Array, index: number, hashBlock: boolean): void {
    const held = this.#files.get(hexOf(fileId));
    const data = hashBlock ? held?.hashBlock(index) : held?.chunk(index);
    if (!data) return;
    for (let o = 0; o < data.byteLength; o += RELAY_PIECE_BYTES) {
      const part = data.subarray(o, o + RELAY_PIECE_BYTES);
      this.#send({ case: 'fileRelayPiece', value: { fileId, chunk: index, offset: o, data: part, hashBlock } });
      this.#uploadedToRelay += part.byteLength;
    }
  }
}
