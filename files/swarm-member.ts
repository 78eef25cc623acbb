/**
 * One file's place in a swarm (issue 16), the one core behind the web
 * client (client/files/file-transfer.ts) and the node test peer used by the
 * relay tests and the files bench (test/helpers/files/swarm-file.ts, one
 * member per file a FilePeer holds). It
 * - serves what it holds to every linked peer, checking each chunk before it
 *   leaves; the original sender super-seeds (files/super-seeder.ts), so the
 *   file leaves its uplink about once however many download at once;
 * - downloads what it lacks through {@link SwarmReceiver} (rarest first, its
 *   own start offset, refusals remembered), fellow downloaders before
 *   complete seeders (the sender's uplink is the scarce one);
 * - tells its links and the tracker what it holds as chunks arrive, batched
 *   at a bounded rate (proto/coalesced-flush.ts);
 * - when stalled (nothing can be asked of anyone linked and every link has
 *   said what it holds), asks the tracker for more peers with a back-off
 *   (tracker-asker.ts, D115).
 * Links, storage, the tracker and the clock are ports: nothing here touches
 * a socket, a DataChannel or a disk. Messages are decoded `FileWire`s; the
 * ports, options and constants are in swarm-ports.ts.
 */
import { Bitfield, decodeBitfield, ErrorCode, hashBlockRange } from '../proto/index.ts';
import { CoalescedFlush } from '../proto/coalesced-flush.ts';
import { SuperSeeder } from './super-seeder.ts';
import { MAX_PIECE_BYTES, WINDOW_PER_PEER, HAVE_INTERVAL_MS, ANNOUNCE_INTERVAL_MS } from './swarm-ports.ts';
import type { PeerJoin, SwarmCounters, SwarmMemberOptions, SwarmPorts, WireIn, WireOut } from './swarm-ports.ts';
import { SwarmReceiver } from './swarm-receiver.ts';
import { TrackerAsker } from './tracker-asker.ts';

/** Links beyond which the periodic re-ask (`reaskEvery`) stops; a stalled download still asks. */
const MAX_LINKS_FOR_REASK = 8;

interface Peer {
  bits: Bitfield | null;
  /** It said what it holds (or is a carrier). */
  heard: boolean;
  readonly carrier: boolean;
  /** A hash block asked of it. */
  block: number | null;
  /** It said it cannot serve hash blocks (asked again after its next `have`). */
  noBlocks: boolean;
}

/** One file, served and (while downloading) fetched. */
export class SwarmMember {
  readonly counters: SwarmCounters = { uploaded: 0, refused: 0, badChunks: 0 };
  readonly #o: SwarmMemberOptions;
  readonly #p: SwarmPorts;
  readonly #rx: SwarmReceiver;
  readonly #seeder: SuperSeeder | null;
  readonly #peers = new Map<string, Peer>();
  readonly #hashAsked = new Map<number, string>();
  readonly #toLinks: CoalescedFlush;
  readonly #toTracker: CoalescedFlush;
  readonly #asker: TrackerAsker;
  /** Checked chunks being stored: held for scheduling (never asked twice), not yet counted complete. */
  readonly #storing = new Set<number>();
  #waitFor: Set<string> | null = null;
  #active = false;
  #seeding = true;
  #failure: unknown = null;
  #busy = false;
  #sinceAsk = 0;

  constructor(o: SwarmMemberOptions) {
    this.#o = o;
    this.#p = o.ports;
    this.#rx = new SwarmReceiver(o.manifest, o.have, o.spread ?? 0);
    this.#seeder = o.seedCopies ? new SuperSeeder(o.seedCopies) : null;
    this.#toLinks = new CoalescedFlush(o.clock, o.haveIntervalMs ?? HAVE_INTERVAL_MS, () => this.#tellLinks());
    this.#toTracker = new CoalescedFlush(o.clock, o.announceIntervalMs ?? ANNOUNCE_INTERVAL_MS, () => this.#p.announce(this.#rx.have));
    this.#asker = new TrackerAsker(o.clock, () => this.#p.wantPeers());
  }

  /** Chunks held or being stored. */
  get have(): Bitfield {
    return this.#rx.have;
  }

  /** Every chunk is held and stored (the last `keep` has resolved and `gotChunk` was told). */
  get complete(): boolean {
    return this.#rx.complete && this.#storing.size === 0;
  }

  /** Downloading (started and not stopped, failed or complete). */
  get active(): boolean {
    return this.#active;
  }

  /** Something is asked of someone (false while downloading: stalled, waiting for peers). */
  get busy(): boolean {
    return this.#rx.inFlight > 0 || this.#hashAsked.size > 0 || this.#storing.size > 0;
  }

  /** Why the download failed (what `keep` threw), or null. */
  get failure(): unknown {
    return this.#failure;
  }

  get seeding(): boolean {
    return this.#seeding;
  }

  /** Linked peer ids. */
  get peerIds(): string[] {
    return [...this.#peers.keys()];
  }

  /** Chunks asked of `peer` now. */
  inFlightOf(peer: string): number {
    return this.#rx.inFlightOf(peer);
  }

  /** Hash block `b` once known (what a holder serves). */
  hashBlock(b: number): Uint8Array | null {
    return this.#rx.hashBlock(b) ?? null;
  }

  /** Learns a hash block (the sharer's own, or one kept in the store); false if it does not match the manifest. */
  learnHashBlock(b: number, data: Uint8Array): Promise<boolean> {
    return this.#rx.addHashBlock(b, data);
  }

  /** Starts (or resumes) fetching what is missing, asking the tracker for peers. */
  start(): void {
    if (this.#rx.complete || this.#active) return;
    this.#active = true;
    this.#failure = null;
    this.#rx.retryRefused();
    this.#asker.askNow();
    this.#pump();
    this.#p.changed();
  }

  /** Stops fetching (cancel); what is held stays and is still served. */
  stop(): void {
    this.#active = false;
    this.#rx.abandon();
    this.#hashAsked.clear();
    for (const p of this.#peers.values()) p.block = null;
    this.#asker.reset();
    this.#p.changed();
  }

  /** Starts or stops serving. */
  setSeeding(on: boolean): void {
    this.#seeding = on;
    this.#p.changed();
  }

  /** Signed in again: an ask lost with the old socket is not awaited; a download asks anew. */
  online(): void {
    this.#asker.reset();
    if (this.#active) this.#asker.askNow();
  }

  /** Tells every link what is held now (e.g. after the store was read at start). */
  refreshHave(): void {
    this.#toLinks.now();
  }

  /** No more timers (the file is forgotten). */
  close(): void {
    this.#active = false;
    this.#toLinks.close();
    this.#toTracker.close();
    this.#asker.close();
    this.#peers.clear();
  }

  /** A link to `peer` (opening or open): it is told what we hold, and asked for what it has. */
  addPeer(peer: string, join: PeerJoin = {}): void {
    if (this.#peers.has(peer)) this.#forget(peer);
    const carrier = join.carrier ?? false;
    const bits = carrier ? new Bitfield(this.#rx.chunks, true) : (join.hint ?? null);
    this.#peers.set(peer, { bits, heard: carrier, carrier, block: null, noBlocks: false });
    if (bits) this.#rx.peerHas(peer, bits);
    if (!carrier) void this.#p.send(peer, this.#haveMsg());
    this.#pump();
  }

  /** `peer`'s link closed: its requests go to others, a super-seeder's copies it held come back. */
  removePeer(peer: string): void {
    if (!this.#peers.has(peer)) {
      // Awaited from the first answer but never linked (its connection failed): waiting for it would stall for good.
      if (this.#waitFor?.delete(peer)) this.#pump();
      return;
    }
    this.#forget(peer);
    this.#pump();
  }

  /** The tracker answered: `named` peer ids (not us), `fresh` of them new to us. */
  trackerAnswered(named: readonly string[], fresh: number): void {
    // A peer that linked first and already said what it holds says it once only: not awaited.
    if (this.#o.awaitFirstAnswer && this.#waitFor === null) this.#waitFor = new Set(named.filter((id) => !this.#peers.get(id)?.heard));
    this.#asker.answered(fresh);
    // New peers, or the same ones later: what a super-seeder refused may now come from them, or from it again.
    this.#rx.retryRefused();
    this.#pump();
  }

  /** The tracker refused the ask (rate limited): asked again later. */
  trackerRefused(): void {
    this.#asker.refused();
    this.#pump();
  }

  /** A message from `peer` (an unknown peer joins: the other side opened the link). */
  async onWire(peer: string, m: WireIn): Promise<void> {
    if (m.case === undefined) return;
    if (!this.#peers.has(peer)) this.addPeer(peer);
    const p = this.#peers.get(peer)!;
    switch (m.case) {
      case 'request':
        return this.#serve(peer, m.value.chunk);
      case 'hashRequest': {
        const block = this.#rx.hashBlock(m.value.block);
        void this.#p.send(peer, block ? { case: 'hashBlock', value: { fileId: this.#o.manifest.fileId, block: m.value.block, data: block } } : this.#reject(0));
        return;
      }
      case 'have': {
        const bits = m.value.complete ? { ok: true as const, value: new Bitfield(this.#rx.chunks, true) } : decodeBitfield(m.value.bitfield, this.#rx.chunks);
        if (!bits.ok) return this.#fault(peer, 'bad-frame', -1);
        Object.assign(p, { bits: bits.value, heard: true, noBlocks: false });
        this.#rx.peerHas(peer, bits.value);
        this.#waitFor?.delete(peer);
        return this.#pump();
      }
      case 'hashBlock': {
        if (p.block === m.value.block) p.block = null;
        if (this.#hashAsked.get(m.value.block) === peer) this.#hashAsked.delete(m.value.block);
        if (!(await this.#rx.addHashBlock(m.value.block, m.value.data))) return this.#fault(peer, 'bad-chunk', -1);
        await this.#p.keepHashBlock?.(m.value.block, m.value.data);
        return this.#pump();
      }
      case 'reject':
        if (!this.#rx.release(peer, m.value.chunk) && p.block !== null) {
          // Not a chunk we asked: the hash block we asked of it.
          this.#hashAsked.delete(p.block);
          p.block = null;
          p.noBlocks = true;
        }
        return this.#pump();
      case 'piece':
        return this.#onPiece(peer, m.value.chunk, m.value.offset, m.value.data);
    }
  }

  #haveMsg(): WireOut {
    const have = this.#rx.have;
    return { case: 'have', value: { fileId: this.#o.manifest.fileId, complete: have.complete, bitfield: have.complete ? new Uint8Array(0) : have.toBytes() } };
  }

  #reject(chunk: number): WireOut {
    return { case: 'reject', value: { fileId: this.#o.manifest.fileId, chunk, code: ErrorCode.FILE_PEER_GONE } };
  }

  #tellLinks(): void {
    const msg = this.#haveMsg();
    for (const [id, p] of this.#peers) if (!p.carrier) void this.#p.send(id, msg);
  }

  async #serve(peer: string, index: number): Promise<void> {
    const refuse = (): void => void this.#p.send(peer, this.#reject(index));
    if (!this.#seeding || !this.#rx.have.has(index)) return refuse();
    if (this.#seeder && !this.#seeder.allow(peer, index)) {
      this.counters.refused++;
      return refuse();
    }
    const data = await this.#p.chunk(index);
    // Checked again before serving: a damaged store never spreads bad bytes.
    if (!data || !(await this.#rx.verify(index, data))) return refuse();
    const size = this.#o.pieceBytes ?? MAX_PIECE_BYTES;
    for (let offset = 0; offset < data.byteLength; offset += size) {
      if (!this.#peers.has(peer)) return;
      const part = data.subarray(offset, offset + size);
      if (await this.#p.send(peer, { case: 'piece', value: { fileId: this.#o.manifest.fileId, chunk: index, offset, data: part } })) this.counters.uploaded += part.byteLength;
    }
  }

  async #onPiece(peer: string, index: number, offset: number, data: Uint8Array): Promise<void> {
    const out = await this.#rx.piece(peer, index, offset, data);
    if (out.kind === 'bad') {
      this.counters.badChunks++;
      return this.#fault(peer, 'bad-chunk', out.chunk);
    }
    if (out.kind !== 'chunk') return;
    this.#storing.add(out.chunk);
    try {
      await this.#p.keep(out.chunk, out.data);
    } catch (e) {
      // Not stored, so not held: a later download asks for it again.
      this.#storing.delete(out.chunk);
      this.#rx.unhold(out.chunk);
      if (this.#failure === null) this.#failure = e;
      if (this.#active) this.stop();
      else this.#p.changed();
      return;
    }
    this.#storing.delete(out.chunk);
    this.#p.gotChunk?.(peer, out.chunk, out.data.byteLength);
    this.#asker.progressed();
    if (this.complete) {
      this.#active = false;
      this.#toLinks.now();
      this.#toTracker.now();
      this.#p.changed();
      return;
    }
    this.#toLinks.ask();
    this.#toTracker.ask();
    const every = this.#o.reaskEvery ?? 0;
    if (every > 0 && ++this.#sinceAsk >= every && this.#peers.size < MAX_LINKS_FOR_REASK) {
      this.#sinceAsk = 0;
      this.#asker.askNow();
    }
    this.#pump();
    this.#p.changed();
  }

  #fault(peer: string, code: 'bad-frame' | 'bad-chunk', chunk: number): void {
    this.#forget(peer);
    this.#p.fault(peer, code, chunk);
    this.#pump();
  }

  #forget(peer: string): void {
    this.#peers.delete(peer);
    for (const [b, id] of this.#hashAsked) if (id === peer) this.#hashAsked.delete(b);
    this.#rx.peerGone(peer);
    this.#seeder?.peerGone(peer);
    this.#waitFor?.delete(peer);
  }

  /** Asks each missing hash block of one peer that holds a chunk it covers. */
  #askHashBlocks(): void {
    for (const b of this.#rx.missingHashBlocks()) {
      if (this.#hashAsked.has(b)) continue;
      const { first, end } = hashBlockRange(this.#o.manifest, b);
      for (const [id, p] of this.#peers) {
        if (p.block !== null || p.noBlocks || !p.bits || this.#rx.isBad(id)) continue;
        let covers = p.bits.complete;
        for (let i = first; i < end && !covers; i++) covers = p.bits.has(i);
        if (!covers) continue;
        p.block = b;
        this.#hashAsked.set(b, id);
        void this.#p.send(id, { case: 'hashRequest', value: { fileId: this.#o.manifest.fileId, block: b } });
        break;
      }
    }
  }

  /** Tops up every peer's window; when nothing can be asked of anyone, asks the tracker (with back-off). */
  #pump(): void {
    if (!this.#active || this.#rx.complete) return this.#setBusy(this.#active && this.busy);
    if (this.#waitFor && this.#waitFor.size > 0) return;
    this.#askHashBlocks();
    // Fellow downloaders first, complete seeders (and the relay) last: the sender's uplink is the scarce one.
    const order = [...this.#peers].sort(([, x], [, y]) => Number(x.bits?.complete ?? false) - Number(y.bits?.complete ?? false));
    const window = this.#o.window ?? WINDOW_PER_PEER;
    for (const [id] of order) {
      while (this.#rx.inFlightOf(id) < window) {
        const chunk = this.#rx.next(id);
        if (chunk === undefined) break;
        void this.#p.send(id, { case: 'request', value: { fileId: this.#o.manifest.fileId, chunk } });
      }
    }
    this.#setBusy(this.busy);
    if (this.busy) return;
    // Stalled. A link that has not said what it holds yet will (or close): wait for it.
    for (const p of this.#peers.values()) if (!p.heard) return;
    this.#asker.askWhenDue();
  }

  #setBusy(busy: boolean): void {
    if (busy === this.#busy) return;
    this.#busy = busy;
    this.#p.changed();
  }
}
