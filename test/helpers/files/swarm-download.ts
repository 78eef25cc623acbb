/**
 * One node-side download from the swarm (issue 16), the adapter around the
 * shared receiver core (files/swarm-receiver.ts): links to the peers the
 * relay names, asks each for the chunks it should fetch, keeps every checked
 * chunk where the owning peer serves it on, and tells the relay and its
 * links what it holds after every chunk.
 *
 * Tree, not star: links to fellow downloaders are filled before links to
 * complete seeders (the original sender's uplink is the scarce one); a chunk
 * a super-seeding sender refuses is fetched from whoever it went to; when
 * nothing can be asked of anyone linked (stalled), the relay is asked for
 * more peers, and every `reaskEvery` chunks too, so the mesh grows.
 */
import { Bitfield, decodeBitfield, hashBlockRange } from '../../../proto/index.ts';
import type { FileWire } from '../../../proto/index.ts';
import { SwarmReceiver } from '../../../files/index.ts';
import type { ControlMessage } from '../control-socket.ts';
import type { TestClient } from '../relay-client.ts';
import type { Link, PeerLinks } from './peer-links.ts';
import type { HeldFile } from './shared-file.ts';

/** Requests kept outstanding per peer. */
const PIPELINE = 4;
/** Links beyond which the periodic re-ask stops (a stalled download still asks). */
const MAX_LINKS_FOR_REASK = 8;
/** First back-off before asking the relay again after an answer that named nobody new (doubles, up to 1 s). */
const RETRY_FIRST_MS = 20;
const RETRY_MAX_MS = 1000;

/** Adapters of one download. */
export interface SwarmDownloadDeps {
  readonly client: TestClient;
  readonly links: PeerLinks;
  /** Where checked chunks go; the owning peer serves them on from here. */
  readonly held: HeldFile;
  /** Re-ask the relay for peers every this many chunks (0: only when stalled). */
  readonly reaskEvery: number;
  /** Where this receiver's chunk scan starts (receivers spread over the file). */
  readonly spread: number;
  readonly onBadChunk: () => void;
}

/** One file being fetched. */
export class SwarmDownload {
  readonly #d: SwarmDownloadDeps;
  readonly #rx: SwarmReceiver;
  readonly #fileId: Uint8Array;
  readonly #done: Promise<Uint8Array>;
  #resolve!: (bytes: Uint8Array) => void;
  #reject!: (error: Error) => void;
  /** Peers of the first answer not yet heard from: pumping waits for them (a test's corrupting peer always gets asked). */
  #waitFor: Set<number> | null = null;
  readonly #seeders = new Set<number>();
  /** Hash blocks asked, and of whom. */
  readonly #hashAsked = new Map<number, number>();
  /** What each linked peer last said it holds. */
  readonly #bits = new Map<number, Bitfield>();
  #asking = false;
  /** Answers in a row that named nobody new (or refusals): the next ask waits longer. */
  #fruitless = 0;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #sinceAsk = 0;
  #finished = false;

  constructor(deps: SwarmDownloadDeps) {
    this.#d = deps;
    this.#fileId = deps.held.file.fields.fileId;
    this.#rx = new SwarmReceiver(deps.held.file.fields, deps.held.have, deps.spread);
    this.#done = new Promise<Uint8Array>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Announces, asks for peers; resolves with the whole file once every chunk is checked. */
  start(): Promise<Uint8Array> {
    this.#send({ case: 'fileAnnounce', value: { manifest: this.#d.held.file.manifest, fileId: this.#fileId } });
    this.#ask();
    return this.#done;
  }

  /** A control message for this peer (the owner routes every one here). */
  onControl(m: ControlMessage): void {
    if (this.#finished) return;
    if (m.case === 'filePeers' && sameId(m.value.fileId, this.#fileId)) {
      this.#asking = false;
      const ids = m.value.peers.map((p) => p.sessionId).filter((id) => id !== this.#d.client.sessionId);
      if (this.#waitFor === null) {
        if (ids.length === 0) return this.#fail(new Error(`no peers [code:${m.value.code}]`));
        this.#waitFor = new Set(ids);
      }
      let named = 0;
      for (const p of m.value.peers) {
        if (p.sessionId === this.#d.client.sessionId || this.#d.links.get(p.sessionId)) continue;
        named++;
        void this.#d.links.connect(p.sessionId, p.key, this.#fileId).then((link) => this.#greet(link));
      }
      this.#fruitless = named > 0 ? 0 : this.#fruitless + 1;
      // New peers named: what a super-seeder refused may come from them, or from it again.
      this.#rx.retryRefused();
      this.#pumpAll();
    } else if (m.case === 'fileError' && sameId(m.value.fileId, this.#fileId) && m.value.context === 'want_peers') {
      // Refused (e.g. rate limited): ask again later, not at once.
      this.#asking = false;
      this.#fruitless++;
      this.#pumpAll();
    }
  }

  /** A link opened by the other side: tell it what we have (once). */
  greet(link: Link): void {
    this.#greet(link);
  }

  /** A message on a link for this file. */
  onWire(link: Link, msg: FileWire): void {
    if (this.#finished) return;
    const m = msg.msg;
    const from = link.peerId;
    if (m.case === 'have') {
      this.#waitFor?.delete(from);
      if (m.value.complete) this.#seeders.add(from);
      const bits = m.value.complete ? { ok: true as const, value: new Bitfield(this.#rx.chunks, true) } : decodeBitfield(m.value.bitfield, this.#rx.chunks);
      if (bits.ok) {
        this.#rx.peerHas(String(from), bits.value);
        this.#bits.set(from, bits.value);
        this.#askHashes(link, bits.value);
      }
      this.#pumpAll();
    } else if (m.case === 'hashBlock') {
      const { block, data } = m.value;
      if (this.#hashAsked.get(block) === from) this.#hashAsked.delete(block);
      void this.#rx.addHashBlock(block, data).then((ok) => {
        // Kept to serve on: a finished downloader is a seeder like any other.
        if (ok) this.#d.held.hashBlocks[block] = data.slice();
        else this.#dropPeer(from);
        this.#pumpAll();
      });
    } else if (m.case === 'piece') {
      void this.#rx.piece(String(from), m.value.chunk, m.value.offset, m.value.data).then((out) => {
        if (out.kind === 'chunk') this.#gotChunk(out.chunk, out.data);
        else if (out.kind === 'bad') {
          this.#d.onBadChunk();
          this.#send({ case: 'fileBadChunk', value: { fileId: this.#fileId, chunk: out.chunk, sessionId: from } });
          this.#dropPeer(from);
        }
        this.#pumpAll();
      });
    } else if (m.case === 'reject') {
      this.#rx.release(String(from), m.value.chunk);
      this.#pumpAll();
    }
  }

  /** A linked peer left: its requests go to others. */
  onPeerGone(peerId: number): void {
    this.#forget(peerId);
    this.#pumpAll();
  }

  /** A peer that lied (bad chunk or hash block): closed, and not asked again. */
  #dropPeer(peerId: number): void {
    this.#d.links.drop(peerId);
    this.#forget(peerId);
  }

  #forget(peerId: number): void {
    for (const [b, id] of this.#hashAsked) if (id === peerId) this.#hashAsked.delete(b);
    this.#bits.delete(peerId);
    this.#rx.peerGone(String(peerId));
    this.#waitFor?.delete(peerId);
    this.#seeders.delete(peerId);
  }

  /** Asks `link` for the missing hash blocks it must hold (it has a chunk they cover), one asker per block. */
  #askHashes(link: Link, bits: Bitfield): void {
    const fields = this.#d.held.file.fields;
    for (const b of this.#rx.missingHashBlocks()) {
      if (this.#hashAsked.has(b)) continue;
      const { first, end } = hashBlockRange(fields, b);
      let covers = bits.complete;
      for (let i = first; i < end && !covers; i++) covers = bits.has(i);
      if (!covers) continue;
      this.#hashAsked.set(b, link.peerId);
      this.#d.links.send(link, { case: 'hashRequest', value: { fileId: this.#fileId, block: b } });
    }
  }

  #greet(link: Link): void {
    const hex = Buffer.from(this.#fileId).toString('hex');
    if (link.told.has(hex)) return;
    link.told.add(hex);
    this.#d.links.send(link, { case: 'have', value: { fileId: this.#fileId, bitfield: this.#rx.have.toBytes(), complete: this.#rx.complete } });
  }

  #gotChunk(chunk: number, data: Uint8Array): void {
    this.#d.held.chunks.set(chunk, data);
    this.#fruitless = 0;
    const bitfield = this.#rx.have.toBytes();
    this.#send({ case: 'fileAnnounce', value: { fileId: this.#fileId, bitfield } });
    for (const link of this.#d.links.open()) this.#d.links.send(link, { case: 'have', value: { fileId: this.#fileId, bitfield, complete: this.#rx.complete } });
    if (this.#d.reaskEvery > 0 && ++this.#sinceAsk >= this.#d.reaskEvery && this.#d.links.ids().length < MAX_LINKS_FOR_REASK) {
      this.#sinceAsk = 0;
      this.#ask();
    }
  }

  #pumpAll(): void {
    if (this.#finished) return;
    if (this.#rx.complete) return this.#finish();
    if (this.#waitFor && this.#waitFor.size > 0) return;
    // Fellow downloaders first, full seeders last: the sender's uplink is the scarce one.
    const order = this.#d.links.open().sort((x, y) => Number(this.#seeders.has(x.peerId)) - Number(this.#seeders.has(y.peerId)));
    for (const link of order) {
      const id = String(link.peerId);
      while (this.#rx.inFlightOf(id) < PIPELINE) {
        const chunk = this.#rx.next(id);
        if (chunk === undefined) break;
        this.#d.links.send(link, { case: 'request', value: { fileId: this.#fileId, chunk } });
      }
    }
    if (this.#rx.inFlight > 0 || this.#hashAsked.size > 0) return;
    const linked = this.#d.links.ids();
    if (linked.length > 0 && linked.every((id) => this.#rx.isBad(String(id)))) return this.#fail(new Error('every peer served bad chunks'));
    // Stalled: nothing can be asked of anyone linked. Missing hash blocks go to whoever covers them; the relay is asked for more peers.
    for (const link of order) {
      const bits = this.#bits.get(link.peerId);
      if (bits) this.#askHashes(link, bits);
    }
    if (this.#hashAsked.size > 0) return;
    // Connections still opening will pump when they open (or fail).
    if (linked.length > this.#d.links.open().length) return;
    if (this.#fruitless === 0) return this.#ask();
    this.#retry ??= setTimeout(() => {
      this.#retry = null;
      this.#ask();
    }, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.#fruitless - 1)));
  }

  #ask(): void {
    if (this.#asking || this.#finished) return;
    this.#asking = true;
    this.#send({ case: 'fileWantPeers', value: { fileId: this.#fileId } });
  }

  #finish(): void {
    this.#finished = true;
    if (this.#retry) clearTimeout(this.#retry);
    const f = this.#d.held.file.fields;
    const out = new Uint8Array(f.size);
    for (const [i, c] of this.#d.held.chunks) out.set(c, i * f.chunkSize);
    this.#send({ case: 'fileAnnounce', value: { fileId: this.#fileId, complete: true } });
    this.#resolve(out);
  }

  #fail(error: Error): void {
    this.#finished = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#reject(error);
  }

  #send(msg: Parameters<TestClient['send']>[0]): void {
    if (this.#d.client.socket.isOpen) this.#d.client.send(msg);
  }
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
