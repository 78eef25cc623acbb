/**
 * One file a node test peer holds, seeding or downloading (issue 16): the
 * thin node adapter around the product's swarm core (files/swarm-member.ts),
 * as client/files/file-transfer.ts is the browser's. The core serves
 * (super-seeding the original sender), downloads rarest-first, batches
 * `have`s and announces, and asks the tracker for peers with a back-off.
 * Here live only what is the node peer's: links are node-datachannel
 * connections keyed by session id (peer-links.ts; the core's peer id is the
 * id as text), chunks live in memory, tracker answers come off the test
 * client's socket, and the download is a promise of the whole bytes.
 *
 * One test edge lives here and not in the core: a corrupting peer (the
 * `corrupt` chunk indexes) flips a byte as a piece leaves, after the core
 * checked the chunk it serves.
 */
import { Bitfield, decodeBitfield } from '../../../proto/index.ts';
import type { FileWire } from '../../../proto/index.ts';
import { SwarmMember, systemClock } from '../../../files/index.ts';
import type { SwarmCounters, SwarmPorts, WireOut } from '../../../files/index.ts';
import type { ControlMessage } from '../control-socket.ts';
import type { TestClient } from '../relay-client.ts';
import type { PeerLinks } from './peer-links.ts';
import type { FileRef, SharedFile } from './shared-file.ts';

/**
 * Requests in flight per peer. Half the core's (browser) window, as the old
 * node peer had: with it both seeders of the corrupting-peer test's
 * eight-chunk file are asked, whichever link opened first.
 */
const NODE_WINDOW = 4;
/** Bytes of one DataChannel piece (the old node peer's; the core's default is 64 KiB). */
const NODE_PIECE_BYTES = 16 * 1024;

/** What a held file uses of its node peer. */
export interface SwarmFileDeps {
  readonly client: TestClient;
  readonly links: PeerLinks;
  /** Chunk indexes served with their first byte flipped (a test's corrupting peer). */
  readonly corrupt: ReadonlySet<number>;
  /** This file's core dropped `peerId` (a bad chunk or frame): its link is closed, the peer's other files forget it too. */
  readonly onDropped: (peerId: number) => void;
}

/** How a held file starts. */
export type SwarmFileRole =
  /** The whole file, super-seeded with `copies` live copies per chunk (0: every request served). */
  | { readonly kind: 'seed'; readonly file: SharedFile; readonly copies: number }
  /** Nothing yet; the download starts with {@link SwarmFile.download}. */
  | { readonly kind: 'download'; readonly file: FileRef; readonly reaskEvery: number; readonly spread: number };

/** A download being awaited. */
interface Pending {
  readonly promise: Promise<Uint8Array>;
  readonly resolve: (bytes: Uint8Array) => void;
  readonly reject: (e: Error) => void;
}

/** One file's member on a node peer. */
export class SwarmFile {
  readonly #d: SwarmFileDeps;
  readonly #file: FileRef;
  readonly #member: SwarmMember;
  readonly #chunks = new Map<number, Uint8Array>();
  /** Peers that served a bad chunk or hash block: never linked for this file again. */
  readonly #bad = new Set<number>();
  /** Hash blocks learned (a sharer checks its own before serving): frames wait for it. */
  readonly #ready: Promise<void>;
  /** The sharer's own hash blocks, served to the relay even before the core has checked them. */
  readonly #ownBlocks: readonly Uint8Array[];
  #pending: Pending | null = null;
  #answered = false;

  constructor(deps: SwarmFileDeps, role: SwarmFileRole) {
    this.#d = deps;
    this.#file = role.file;
    const f = role.file.fields;
    const chunks = Math.ceil(f.size / f.chunkSize);
    const seed = role.kind === 'seed' ? role : null;
    if (seed) for (let i = 0; i < chunks; i++) this.#chunks.set(i, seed.file.bytes.subarray(i * f.chunkSize, (i + 1) * f.chunkSize));
    this.#member = new SwarmMember({
      manifest: f,
      ports: this.#ports(),
      clock: systemClock(),
      window: NODE_WINDOW,
      pieceBytes: NODE_PIECE_BYTES,
      ...(role.kind === 'seed' ? { have: new Bitfield(chunks, true), seedCopies: role.copies } : { reaskEvery: role.reaskEvery, spread: role.spread, awaitFirstAnswer: true }),
    });
    this.#ownBlocks = seed?.file.hashBlocks ?? [];
    this.#ready = seed ? this.#learn(seed.file.hashBlocks) : Promise.resolve();
  }

  /** Bytes and refusals of this file's core. */
  get counters(): SwarmCounters {
    return this.#member.counters;
  }

  /** Chunk `index` if held (what the relay fallback is served). */
  chunk(index: number): Uint8Array | undefined {
    return this.#chunks.get(index);
  }

  /** Hash block `b` once known (what the relay fallback is served). */
  hashBlock(b: number): Uint8Array | null {
    return this.#member.hashBlock(b) ?? this.#ownBlocks[b] ?? null;
  }

  /**
   * Fetches what is missing; resolves with the whole file. Rejects when the
   * tracker's first answer names nobody, or when a chunk cannot be kept.
   */
  download(): Promise<Uint8Array> {
    if (this.#member.complete) return Promise.resolve(this.#bytes());
    if (this.#pending) return this.#pending.promise;
    let settle!: Omit<Pending, 'promise'>;
    const promise = new Promise<Uint8Array>((resolve, reject) => (settle = { resolve, reject }));
    this.#pending = { ...settle, promise };
    this.#answered = false;
    const f = this.#file.fields;
    // The relay tracks the file from this announce (with its manifest) before the core's first ask.
    this.#control({ case: 'fileAnnounce', value: { manifest: this.#file.manifest, fileId: f.fileId } });
    this.#member.start();
    return promise;
  }

  /** A frame for this file from `peerId`'s link. */
  onWire(peerId: number, msg: FileWire): void {
    void this.#ready.then(() => this.#member.onWire(String(peerId), msg.msg)).catch((e) => console.warn(`file frame failed [reason:${String(e)}]`));
  }

  /** A control message about this file: the tracker's answer to an ask, or its refusal. */
  onControl(m: ControlMessage): void {
    if (m.case === 'fileError' && m.value.context === 'want_peers') return this.#member.trackerRefused();
    if (m.case !== 'filePeers' || !this.#member.active) return;
    const self = this.#d.client.sessionId;
    const peers = m.value.peers.filter((p) => p.sessionId !== self);
    if (!this.#answered && peers.length === 0) return this.#fail(new Error(`no peers [code:${m.value.code}]`));
    this.#answered = true;
    const chunks = this.#member.have.size;
    const named: string[] = [];
    let fresh = 0;
    for (const p of peers) {
      // The relay names a reported peer to us no more; this covers an answer already on its way.
      if (this.#bad.has(p.sessionId)) continue;
      if (!this.#d.links.get(p.sessionId)) fresh++;
      named.push(String(p.sessionId));
      const bits = p.complete ? { ok: true as const, value: new Bitfield(chunks, true) } : decodeBitfield(p.bitfield, chunks);
      const hint = bits.ok ? bits.value : null;
      void this.#d.links.connect(p.sessionId, p.key, this.#file.fields.fileId).then((link) => this.#link(link.peerId, hint));
    }
    this.#member.trackerAnswered(named, fresh);
  }

  /** `peerId`'s link closed (or never opened): its requests go to others. */
  peerGone(peerId: number): void {
    this.#member.removePeer(String(peerId));
  }

  /** No more timers; a pending download stays pending (as before: nobody awaits it after close). */
  close(): void {
    this.#member.close();
  }

  /** A link opened: joins the core unless the other side's frames already made it join. */
  #link(peerId: number, hint: Bitfield | null): void {
    if (this.#bad.has(peerId) || this.#member.peerIds.includes(String(peerId))) return;
    this.#member.addPeer(String(peerId), { hint });
  }

  async #learn(blocks: readonly Uint8Array[]): Promise<void> {
    for (const [b, block] of blocks.entries()) if (!(await this.#member.learnHashBlock(b, block))) throw new Error(`hash block ${b} does not match the manifest`);
  }

  #ports(): SwarmPorts {
    const fileId = this.#file.fields.fileId;
    return {
      send: (peer, msg) => {
        const link = this.#d.links.get(Number(peer));
        return link ? this.#d.links.send(link, this.#corrupted(msg)) : false;
      },
      chunk: async (i) => this.#chunks.get(i) ?? null,
      keep: async (i, data) => void this.#chunks.set(i, data),
      wantPeers: () => this.#control({ case: 'fileWantPeers', value: { fileId } }),
      announce: (have) => void this.#control({ case: 'fileAnnounce', value: { fileId, complete: have.complete, bitfield: have.complete ? new Uint8Array() : have.toBytes() } }),
      fault: (peer, code, chunk) => {
        const id = Number(peer);
        if (code === 'bad-chunk') {
          this.#bad.add(id);
          // A bad hash block has no chunk index: the link is dropped, nothing reported.
          if (chunk >= 0) this.#control({ case: 'fileBadChunk', value: { fileId, chunk, sessionId: id } });
        }
        this.#d.links.drop(id);
        this.#d.onDropped(id);
      },
      changed: () => {
        if (!this.#pending) return;
        if (this.#member.complete) this.#settle().resolve(this.#bytes());
        else if (this.#member.failure !== null) this.#fail(new Error('a chunk could not be kept', { cause: this.#member.failure }));
      },
    };
  }

  /** A piece of a corrupt chunk leaves with its first byte flipped (the core checked the chunk, the wire does not). */
  #corrupted(msg: WireOut): WireOut {
    if (msg?.case !== 'piece' || msg.value.offset !== 0 || !this.#d.corrupt.has(msg.value.chunk ?? -1) || !msg.value.data?.byteLength) return msg;
    const data = msg.value.data.slice();
    data[0]! ^= 0xff;
    return { case: 'piece', value: { ...msg.value, data } };
  }

  #bytes(): Uint8Array {
    const f = this.#file.fields;
    const out = new Uint8Array(f.size);
    for (const [i, c] of this.#chunks) out.set(c, i * f.chunkSize);
    return out;
  }

  #fail(e: Error): void {
    // Settled before stopping: the stop's `changed` finds nothing pending.
    const p = this.#settle();
    if (this.#member.active) this.#member.stop();
    p.reject(e);
  }

  #settle(): Pending {
    const p = this.#pending!;
    this.#pending = null;
    return p;
  }

  /** Sends on the control socket; false when it is closed (the core then awaits no answer). */
  #control(msg: Parameters<TestClient['send']>[0]): boolean {
    if (!this.#d.client.socket.isOpen) return false;
    this.#d.client.send(msg);
    return true;
  }
}
