/**
 * A node-side file peer for tests and benches (issue 16): a signed-in
 * TestClient plus node-datachannel links (peer-links.ts) speaking the file
 * protocol (docs/PROTOCOL.md "Files"). It shares files (optionally serving
 * some chunks corrupted), serves everything it holds to every linked peer,
 * downloads from the swarm (swarm-download.ts) or through the relay fallback
 * (relay-download.ts), and counts the bytes it uploads.
 *
 * The original sender super-seeds (files/super-seeder.ts): each chunk goes to
 * at most `seedCopies` linked peers and further requests are refused, so the
 * file leaves its uplink about once and the receivers pass it on.
 */
import { Bitfield } from '../../../proto/index.ts';
import type { FileWire } from '../../../proto/index.ts';
import { DEFAULT_SEED_COPIES, SuperSeeder } from '../../../files/index.ts';
import type { ControlMessage } from '../control-socket.ts';
import type { TestClient } from '../relay-client.ts';
import { PeerLinks } from './peer-links.ts';
import type { Link } from './peer-links.ts';
import { downloadViaRelay } from './relay-download.ts';
import type { FileRef, HeldFile, SharedFile } from './shared-file.ts';
import { SwarmDownload } from './swarm-download.ts';

/** Bytes of one DataChannel piece. */
const WIRE_PIECE_BYTES = 16 * 1024;
/** Largest relay piece (relay/files/fallback.ts). */
const RELAY_PIECE_BYTES = 32 * 1024;

/** Counters a test or bench reads. */
export interface PeerCounters {
  /** Chunk bytes this peer sent to other peers over DataChannels. */
  uploaded: number;
  /** Chunk bytes this peer sent to the relay (fallback). */
  uploadedToRelay: number;
  /** Chunk requests this peer refused as a super-seeder (the chunk already went to enough peers). */
  refused: number;
  badChunksSeen: number;
}

/** Options of a {@link FilePeer}. */
export interface FilePeerOptions {
  /** Chunk indexes this peer serves with one byte flipped. */
  readonly corrupt?: Iterable<number>;
}

/** Options of {@link FilePeer.seed}. */
export interface SeedOptions {
  /** Live copies per chunk before requests are refused; 0 serves every request (a plain seeder). Default 2. */
  readonly copies?: number;
}

const hexOf = (id: Uint8Array): string => Buffer.from(id).toString('hex');

/** One node file peer. */
export class FilePeer {
  readonly counters: PeerCounters = { uploaded: 0, uploadedToRelay: 0, refused: 0, badChunksSeen: 0 };
  readonly #client: TestClient;
  readonly #links: PeerLinks;
  readonly #held = new Map<string, HeldFile>();
  readonly #seeders = new Map<string, SuperSeeder>();
  readonly #downloads = new Map<string, SwarmDownload>();
  readonly #corrupt: Set<number>;
  readonly #untap: () => void;

  constructor(client: TestClient, options: FilePeerOptions = {}) {
    this.#client = client;
    this.#corrupt = new Set(options.corrupt ?? []);
    this.#links = new PeerLinks({ client, onMessage: (link, msg) => this.#onWire(link, msg), onClosed: (id) => this.#peerGone(id) });
    this.#untap = client.socket.tap((m) => this.#onControl(m));
  }

  get sessionId(): number {
    return this.#client.sessionId;
  }

  /** Holds the whole file and tells the relay (with the manifest); super-seeds it unless `copies` is 0. */
  seed(file: SharedFile, options: SeedOptions = {}): void {
    const hex = hexOf(file.fields.fileId);
    const n = Math.ceil(file.fields.size / file.fields.chunkSize);
    const chunks = new Map<number, Uint8Array>();
    for (let i = 0; i < n; i++) chunks.set(i, file.bytes.subarray(i * file.fields.chunkSize, (i + 1) * file.fields.chunkSize));
    this.#held.set(hex, { file, have: new Bitfield(n, true), chunks, hashBlocks: file.hashBlocks });
    const copies = options.copies ?? DEFAULT_SEED_COPIES;
    if (copies > 0) this.#seeders.set(hex, new SuperSeeder(copies));
    this.#send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, complete: true } });
  }

  /**
   * Downloads `file` from the peers the relay names, checking every chunk;
   * resolves with the bytes. A peer that serves a bad chunk is reported,
   * dropped, and the chunk comes from another. `spread` (default: from the
   * session id) is where this receiver starts asking in the file.
   */
  download(file: FileRef, options: { reaskEvery?: number; spread?: number } = {}): Promise<Uint8Array> {
    const hex = hexOf(file.fields.fileId);
    const chunks = Math.ceil(file.fields.size / file.fields.chunkSize);
    const held: HeldFile = { file, have: new Bitfield(chunks), chunks: new Map(), hashBlocks: [] };
    this.#held.set(hex, held);
    const dl = new SwarmDownload({
      client: this.#client,
      links: this.#links,
      held,
      reaskEvery: options.reaskEvery ?? 0,
      spread: options.spread ?? this.sessionId * 7919,
      onBadChunk: () => this.counters.badChunksSeen++,
    });
    this.#downloads.set(hex, dl);
    return dl.start().finally(() => this.#downloads.delete(hex));
  }

  /** Downloads `file` entirely through the relay fallback (no direct connection). */
  downloadViaRelay(file: FileRef): Promise<Uint8Array> {
    return downloadViaRelay(this.#client, file);
  }

  /** Closes every file connection (the control socket stays). */
  close(): void {
    this.#untap();
    this.#links.close();
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
    }
    for (const dl of this.#downloads.values()) dl.onControl(m);
  }

  #peerGone(peerId: number): void {
    for (const s of this.#seeders.values()) s.peerGone(String(peerId));
    for (const dl of this.#downloads.values()) dl.onPeerGone(peerId);
  }

  #onWire(link: Link, msg: FileWire): void {
    const m = msg.msg;
    if (m.case === undefined) return;
    const hex = hexOf(m.value.fileId);
    this.#serve(link, hex, msg);
    this.#downloads.get(hex)?.onWire(link, msg);
  }

  /** Answers a peer's requests from what this peer holds. */
  #serve(link: Link, hex: string, msg: FileWire): void {
    const m = msg.msg;
    const held = this.#held.get(hex);
    if (!held) return;
    if (m.case === 'have') {
      // Answered once per link, never echoed back and forth; a downloader greets through its download.
      const dl = this.#downloads.get(hex);
      if (dl) return dl.greet(link);
      if (link.told.has(hex)) return;
      link.told.add(hex);
      this.#links.send(link, { case: 'have', value: { fileId: m.value.fileId, complete: held.have.complete, bitfield: held.have.complete ? new Uint8Array() : held.have.toBytes() } });
    } else if (m.case === 'hashRequest') {
      const data = held.hashBlocks[m.value.block];
      if (data) this.#links.send(link, { case: 'hashBlock', value: { fileId: m.value.fileId, block: m.value.block, data } });
    } else if (m.case === 'request') {
      const chunk = held.chunks.get(m.value.chunk);
      const seeder = this.#seeders.get(hex);
      if (!chunk || (seeder && !seeder.allow(String(link.peerId), m.value.chunk))) {
        if (chunk) this.counters.refused++;
        this.#links.send(link, { case: 'reject', value: { fileId: m.value.fileId, chunk: m.value.chunk } });
        return;
      }
      const data = this.#corrupt.has(m.value.chunk) ? flipped(chunk) : chunk;
      for (let o = 0; o < data.byteLength; o += WIRE_PIECE_BYTES) {
        const part = data.subarray(o, o + WIRE_PIECE_BYTES);
        if (this.#links.send(link, { case: 'piece', value: { fileId: m.value.fileId, chunk: m.value.chunk, offset: o, data: part } })) this.counters.uploaded += part.byteLength;
      }
    }
  }

  /** The relay asks for a chunk or hash block (fallback). */
  #serveRelay(fileId: Uint8Array, index: number, hashBlock: boolean): void {
    const held = this.#held.get(hexOf(fileId));
    const data = hashBlock ? held?.hashBlocks[index] : held?.chunks.get(index);
    if (!data) return;
    for (let o = 0; o < data.byteLength; o += RELAY_PIECE_BYTES) {
      const part = data.subarray(o, o + RELAY_PIECE_BYTES);
      this.#send({ case: 'fileRelayPiece', value: { fileId, chunk: index, offset: o, data: part, hashBlock } });
      this.counters.uploadedToRelay += part.byteLength;
    }
  }
}

function flipped(chunk: Uint8Array): Uint8Array {
  const out = chunk.slice();
  out[0]! ^= 0xff;
  return out;
}
