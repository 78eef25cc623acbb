/**
 * File sharing for one signed-in session: shares files (manifest signed and
 * posted through chat), downloads them from the peers the relay names, serves
 * what it holds, falls back to the relay when no direct path works, and keeps
 * the tracker told what it holds. State for the UI goes out through
 * `onChange` (one choke point, `#emit`).
 */
import { decodeFileManifest } from '../../proto/file-manifest.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { Envelope, FileManifest, FilePeers, FileRelayWant, SigningTarget } from '../../proto/index.ts';
import { Bitfield, decodeBitfield } from '../../proto/bitfield.ts';
import { sameBytes, toHex } from '../../proto/bytes.ts';
import type { FileEntryView, FilesClientDeps, FilesState } from './files-client-types.ts';
import { DEFAULT_SEED_COPIES, systemClock } from '../../files/index.ts';
import type { SwarmClock } from '../../files/index.ts';
import { FileTransfer } from './file-transfer.ts';
import { hashBlockKey } from './hash-book.ts';
import type { FileAvailability } from './file-offer.ts';
import { PeerMesh } from './peer-mesh.ts';
import { prepareSignedShare } from './prepare-share.ts';
import type { PrepareOptions } from './prepare-share.ts';
import { assembleBlob } from './file-blob.ts';
import { relayLink, serveRelayWant } from './relay-link.ts';
import { memoryWanted } from './wanted-downloads.ts';
import type { WantedDownloads } from './wanted-downloads.ts';
import type { RelayLink } from './relay-link.ts';

export type { FileEntryView, FilesClientDeps, FilesState } from './files-client-types.ts';

interface Entry {
  readonly fields: FileManifestFields;
  readonly raw: FileManifest;
  readonly transfer: FileTransfer;
  readonly mesh: PeerMesh;
  relay: RelayLink | null;
  availability: FileAvailability;
  url: string | null;
  stopped: boolean;
  /** Sessions no direct connection could be made to (not tried again for this file). */
  readonly unreachable: Set<number>;
}

/** File sharing of one session. */
export class FilesClient {
  readonly #deps: FilesClientDeps;
  readonly #entries = new Map<string, Entry>();
  readonly #wanted: WantedDownloads;
  #rtcConfig: RTCConfiguration | undefined;
  #online = false;
  /** The transfers' clock: the session's time and timers (the host's where none are given). */
  readonly #clock: SwarmClock;

  constructor(deps: FilesClientDeps) {
    this.#deps = deps;
    const host = systemClock();
    this.#clock = { now: deps.now, setTimer: deps.setTimer ?? host.setTimer, clearTimer: deps.clearTimer ?? host.clearTimer };
    this.#wanted = deps.wanted ?? memoryWanted();
    this.#rtcConfig = deps.rtcConfig;
  }

  /** ICE servers and policy for connections made from now on. */
  setRtcConfig(config: RTCConfiguration | undefined): void {
    this.#rtcConfig = config;
  }

  get state(): FilesState {
    const files = new Map<string, FileEntryView>();
    for (const [hex, e] of this.#entries) files.set(hex, { transfer: e.transfer.view, availability: e.availability, url: e.url, stopped: e.stopped });
    return { files, use: this.#deps.store.use };
  }

  /** Signed in (again): tell the tracker what we hold. */
  connected(): void {
    this.#online = true;
    for (const e of this.#entries.values()) {
      if (e.transfer.held.count > 0 || e.transfer.view.status === 'downloading' || e.transfer.view.status === 'waiting') this.#announce(e);
      e.transfer.online();
    }
  }

  disconnected(): void {
    this.#online = false;
    for (const e of this.#entries.values()) {
      e.mesh.close();
      e.relay?.close();
      e.relay = null;
    }
  }

  /**
   * Cuts, hashes, stores and signs `file`, then posts it in `conversation`.
   * Rejects with a {@link FileError} (`asFileError`: the browser's and the
   * store's errors get their codes); `options` report progress and cancel.
   */
  async share(conversation: string, target: SigningTarget, file: File, options: PrepareOptions = {}): Promise<string> {
    const fileId = crypto.getRandomValues(new Uint8Array(16));
    const { raw, ...prepared } = await prepareSignedShare({ file, relayKey: this.#deps.relayKey, fileId, authorKey: this.#deps.selfKey, target }, this.#deps.store, (m) => this.#deps.sign(m), options);
    const e = this.#add(prepared.fields, raw, prepared.hashBlocks);
    await e.transfer.loaded;
    this.#deps.postFile(conversation, prepared.fields.name, fileId, raw);
    if (this.#online) this.#announce(e);
    return toHex(fileId);
  }

  /**
   * Learns a manifest shown in chat (post `postIdHex` by `authorKeyHex`);
   * returns the checked fields, or null when it does not verify or match the post.
   */
  async learn(raw: FileManifest, postIdHex: string, authorKeyHex: string): Promise<FileManifestFields | null> {
    const known = this.#entries.get(postIdHex);
    if (known) return known.fields;
    const d = decodeFileManifest(raw.body);
    if (!d.ok || toHex(d.value.fileId) !== postIdHex || toHex(d.value.authorKey) !== authorKeyHex || !sameBytes(d.value.relayKey, this.#deps.relayKey)) return null;
    if (!(await this.#deps.verify(d.value.authorKey, raw.body, raw.signature))) return null;
    const e = this.#entries.get(postIdHex) ?? this.#add(d.value, raw);
    await e.transfer.loaded;
    if (e.transfer.view.status === 'complete') await this.#makeUrl(e);
    // Chunks held from an earlier page: serve them again.
    if (this.#online && e.transfer.held.count > 0) this.#announce(e);
    // A download the user started before a reload carries on from what is stored.
    if (this.#wanted.has(postIdHex) && e.transfer.view.status !== 'complete') await this.download(postIdHex);
    this.#emit();
    return e.fields;
  }

  /** The signed manifest of a known file (what its chat post carries), or null. */
  manifestOf(hex: string): FileManifest | null {
    return this.#entries.get(hex)?.raw ?? null;
  }

  /** Starts or resumes downloading `hex`. */
  async download(hex: string): Promise<void> {
    const e = this.#entries.get(hex);
    if (!e || e.stopped) return;
    this.#wanted.set(hex, true);
    await e.transfer.loaded;
    // Known to the tracker as a downloader before the transfer asks it for peers.
    this.#announce(e);
    await e.transfer.download();
  }

  cancel(hex: string): void {
    const e = this.#entries.get(hex);
    if (!e) return;
    this.#wanted.set(hex, false);
    e.transfer.cancel();
    e.mesh.close();
    e.relay?.close();
    e.relay = null;
  }

  /**
   * Deletes every stored chunk of `hex` from this browser and stops serving
   * it; the file stays known, so it can be downloaded again.
   */
  async remove(hex: string): Promise<void> {
    const e = this.#entries.get(hex);
    if (e) {
      this.#wanted.set(hex, false);
      this.#deps.send({ case: 'fileStop', value: { fileId: e.fields.fileId, byAuthor: false } });
      this.#close(e);
      this.#entries.delete(hex);
      if (e.url !== null) URL.revokeObjectURL(e.url);
    }
    await this.#deps.store.remove(hex);
    await this.#deps.store.remove(hashBlockKey(hex));
    // Known again from its manifest, with nothing held.
    if (e && !e.stopped) await this.#add(e.fields, e.raw).transfer.loaded;
    this.#emit();
  }

  /** Stops serving `hex` (the author: stops sharing it for everyone). */
  stopSeeding(hex: string): void {
    const e = this.#entries.get(hex);
    if (!e) return;
    e.transfer.setSeeding(false);
    this.#deps.send({ case: 'fileStop', value: { fileId: e.fields.fileId, byAuthor: false } });
    if (sameBytes(e.fields.authorKey, this.#deps.selfKey)) e.stopped = true;
    this.#emit();
  }

  resumeSeeding(hex: string): void {
    const e = this.#entries.get(hex);
    if (!e || e.stopped) return;
    e.transfer.setSeeding(true);
    this.#announce(e);
  }

  /** The whole file as a Blob (for Save), or null while incomplete. */
  async blob(hex: string): Promise<Blob | null> {
    const e = this.#entries.get(hex);
    if (!e || e.transfer.view.status !== 'complete') return null;
    return assembleBlob(this.#deps.store, hex, e.transfer.held.size, e.fields.type);
  }

  /** Handles a file control message; false for anything else. */
  handle(msg: Envelope['msg']): boolean {
    switch (msg.case) {
      case 'filePeers':
        this.#onPeers(msg.value);
        return true;
      case 'fileSignal': {
        const e = this.#entries.get(toHex(msg.value.fileId));
        if (e && !e.stopped) void e.mesh.signal(msg.value);
        return true;
      }
      case 'fileRelayWant':
        void this.#serveRelay(msg.value);
        return true;
      case 'fileRelayPiece': {
        const e = this.#entries.get(toHex(msg.value.fileId));
        e?.relay?.deliver(msg.value);
        return true;
      }
      case 'fileError': {
        const e = this.#entries.get(toHex(msg.value.fileId));
        if (!e) return true;
        // The relay could not pass our signal on (that peer left after the
        // tracker named it): forget it so its requests go to the others
        // instead of waiting forever on a connection that never opens.
        if (msg.value.context === 'signal' && msg.value.sessionId !== 0) this.#dropPeer(e, msg.value.sessionId);
        if (msg.value.code === ErrorCode.FILE_FALLBACK_OFF) {
          e.availability = 'no-path';
          e.relay?.refused(msg.value.chunk, ErrorCode.FILE_FALLBACK_OFF);
          e.relay?.close();
          e.relay = null;
        } else if (msg.value.context === 'want_peers') {
          // Refused (e.g. over the request budget): the transfer asks again after a back-off.
          e.transfer.trackerRefused();
        } else if (msg.value.context === 'relay_want') {
          // Over the relay's budget, or its holder left: asked again when another carried chunk lands.
          e.relay?.refused(msg.value.chunk, msg.value.code);
        }
        this.#emit();
        return true;
      }
      case 'fileStop': {
        const e = this.#entries.get(toHex(msg.value.fileId));
        if (e && msg.value.byAuthor) {
          e.stopped = true;
          this.#wanted.set(toHex(msg.value.fileId), false);
          this.#close(e);
          void this.#deps.store.remove(e.transfer.fileId).then(() => this.#emit());
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** Changes the storage limit. */
  setQuota(bytes: number): void {
    this.#deps.store.setQuota(bytes);
    this.#emit();
  }

  #add(fields: FileManifestFields, raw: FileManifest, hashBlocks?: Uint8Array[]): Entry {
    const hex = toHex(fields.fileId);
    // Filled in below: the transfer's callbacks need the entry.
    const entry = { fields, raw, relay: null, availability: 'unknown', url: null, stopped: false, unreachable: new Set<number>() } as unknown as Entry;
    const transfer = new FileTransfer({
      manifest: fields,
      store: this.#deps.store,
      now: this.#deps.now,
      clock: this.#clock,
      ...(hashBlocks ? { hashBlocks } : {}),
      // The original sender super-seeds (D115): each chunk to one live peer, who passes it on.
      ...(sameBytes(fields.authorKey, this.#deps.selfKey) ? { seedCopies: DEFAULT_SEED_COPIES } : {}),
      spread: crypto.getRandomValues(new Uint32Array(1))[0]!,
      onChange: (v) => {
        if (v.status === 'complete' && entry.url === null) {
          this.#wanted.set(hex, false);
          this.#announce(entry);
          void this.#makeUrl(entry);
        }
        if (v.status === 'downloading') entry.availability = 'available';
        this.#emit();
      },
      wantPeers: () => this.#online && this.#deps.send({ case: 'fileWantPeers', value: { fileId: fields.fileId } }),
      announce: () => this.#announce(entry),
      onBadPeer: (peerId, chunk) => {
        const sessionId = peerId === 'relay' ? 0 : Number(peerId.slice(1));
        this.#deps.send({ case: 'fileBadChunk', value: { fileId: fields.fileId, chunk: Math.max(0, chunk), sessionId } });
        if (sessionId) entry.mesh.drop(sessionId);
      },
    });
    const mesh = new PeerMesh({
      fileId: fields.fileId,
      ctx: this.#deps,
      send: this.#deps.send,
      rtcConfig: () => this.#rtcConfig,
      ...(this.#deps.createPeerConnection ? { createPeerConnection: this.#deps.createPeerConnection } : {}),
      ...(this.#deps.setTimer ? { setTimer: this.#deps.setTimer } : {}),
      ...(this.#deps.clearTimer ? { clearTimer: this.#deps.clearTimer } : {}),
      onLink: (sessionId, link) => transfer.addPeer(`s${sessionId}`, link, this.#hints.get(`${hex}:${sessionId}`) ?? null),
      onFailed: (sessionId) => this.#unreachable(entry, sessionId),
    });
    Object.assign(entry, { transfer, mesh });
    this.#entries.set(hex, entry);
    return entry;
  }

  #dropPeer(e: Entry, sessionId: number): void {
    e.mesh.drop(sessionId);
    e.transfer.removePeer(`s${sessionId}`);
  }

  /**
   * No direct connection to `sessionId` (ICE failed, or it never answered
   * before the connect deadline): its requests go to the other peers, it is
   * not tried again for this file, and with no other peer left the relay
   * carries the file (if the admin allows; else the relay says so).
   */
  #unreachable(e: Entry, sessionId: number): void {
    e.unreachable.add(sessionId);
    this.#dropPeer(e, sessionId);
    const direct = e.transfer.peerIds.filter((id) => id !== 'relay');
    if (direct.length === 0) this.#useRelay(e);
    this.#emit();
  }

  #close(e: Entry): void {
    e.transfer.cancel();
    e.transfer.close();
    e.mesh.close();
    e.relay?.close();
    e.relay = null;
  }

  /** What the tracker said each peer holds ("fileHex:sessionId"). */
  readonly #hints = new Map<string, Bitfield>();

  #onPeers(p: FilePeers): void {
    const hex = toHex(p.fileId);
    const e = this.#entries.get(hex);
    if (!e || e.stopped) return;
    const status = e.transfer.view.status;
    if (status !== 'downloading' && status !== 'waiting') return;
    if (p.code !== ErrorCode.UNSPECIFIED) {
      e.availability = p.code === ErrorCode.FILE_FALLBACK_OFF ? 'no-path' : 'nobody-online';
      e.transfer.trackerAnswered([], 0);
      return this.#emit();
    }
    const chunks = e.transfer.held.size;
    const peers = p.peers.filter((peer) => !e.unreachable.has(peer.sessionId));
    let fresh = 0;
    for (const peer of peers) {
      const bits = peer.complete ? new Bitfield(chunks, true) : decodeBitfield(peer.bitfield, chunks);
      const hint = bits instanceof Bitfield ? bits : bits.ok ? bits.value : null;
      if (hint) this.#hints.set(`${hex}:${peer.sessionId}`, hint);
      if (!e.mesh.has(peer.sessionId)) fresh++;
      e.mesh.connect(peer.sessionId, peer.key);
    }
    e.transfer.trackerAnswered(
      peers.map((peer) => `s${peer.sessionId}`),
      fresh,
    );
    e.availability = peers.length > 0 ? 'available' : p.holders > 0 ? (p.fallback ? 'available' : 'no-path') : 'nobody-online';
    if (peers.length === 0 && p.holders > 0 && p.fallback) this.#useRelay(e);
    this.#emit();
  }

  /** No direct path: carry this file's chunks through the relay if the admin allows it. */
  #useRelay(e: Entry): void {
    if (e.relay || e.stopped) return;
    const status = e.transfer.view.status;
    if (status !== 'downloading' && status !== 'waiting') return;
    e.relay = relayLink(e.fields, this.#deps.send);
    e.transfer.addPeer('relay', e.relay, null);
    this.#emit();
  }

  /** The relay asks us (a holder) for a chunk or hash block to carry. */
  async #serveRelay(w: FileRelayWant): Promise<void> {
    const hex = toHex(w.fileId);
    const e = this.#entries.get(hex);
    if (!e || !e.transfer.view.seeding) return;
    const t = e.transfer;
    await serveRelayWant(w, { chunk: async (i) => (t.held.has(i) ? this.#deps.store.get(hex, i) : null), hashBlock: (b) => t.hashBlock(b) }, this.#deps.send);
  }

  /** Tells the tracker what we hold (as chunks arrive, the transfer's core spaces these out). */
  #announce(e: Entry): void {
    if (!this.#online || e.stopped) return;
    const held = e.transfer.held;
    this.#deps.send({ case: 'fileAnnounce', value: { fileId: e.fields.fileId, manifest: e.raw, complete: held.complete, bitfield: held.complete ? new Uint8Array() : held.toBytes() } });
  }

  async #makeUrl(e: Entry): Promise<void> {
    if (e.url !== null) return;
    const blob = await this.blob(e.transfer.fileId);
    if (!blob) return;
    e.url = (this.#deps.createObjectUrl ?? ((b) => URL.createObjectURL(b)))(blob);
    this.#emit();
  }

  #emit(): void {
    this.#deps.onChange(this.state);
  }
}
