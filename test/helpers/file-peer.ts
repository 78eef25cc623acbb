/**
 * A node-side file peer for tests and benches (issue 16): a signed-in
 * TestClient plus node-datachannel PeerConnections speaking the file protocol
 * (docs/PROTOCOL.md "Files"). It can share a file (and serve chunks
 * deliberately corrupted), download one from the swarm with the shared
 * `files/` receiver, or download through the relay fallback. Signed
 * descriptions bind each side's DTLS fingerprint to its key.
 */
import { sign } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import {
  Bitfield,
  buildHashBlocks,
  chooseChunkSize,
  decodeBitfield,
  decodeFileDescription,
  encodeFileDescription,
  encodeFileManifest,
  FileSdpKind,
  FileManifestSchema,
  FileWireSchema,
  hashBlockCount,
  sdpFingerprint,
  sha256,
} from '../../proto/index.ts';
import type { EnvelopeInit, FileManifest, FileManifestFields, FileWire, SigningTarget } from '../../proto/index.ts';
import { SwarmReceiver, chunkHashes } from '../../files/index.ts';
import { verifyEd25519 } from '../../relay/access/ed25519.ts';
import { rawPublicKeyOf } from './relay-client.ts';
import type { TestClient } from './relay-client.ts';

/** Bytes of one DataChannel piece. */
const WIRE_PIECE_BYTES = 16 * 1024;
/** Largest relay piece (relay/files/fallback.ts). */
const RELAY_PIECE_BYTES = 32 * 1024;
/** Requests kept outstanding per peer. */
const PIPELINE = 4;

type WireInit = MessageInitShape<typeof FileWireSchema>['msg'];

/** A shared file as its author built it. */
export interface SharedFile {
  readonly fields: FileManifestFields;
  readonly manifest: FileManifest;
  readonly bytes: Uint8Array;
  readonly hashBlocks: Uint8Array[];
}

/** Builds and signs the manifest of `bytes` as `client`, shared to `target`, with the chat item id `fileId`. */
export async function buildSharedFile(client: TestClient, target: SigningTarget, bytes: Uint8Array, fileId: Uint8Array, chunkSize = chooseChunkSize(bytes.byteLength)): Promise<SharedFile> {
  const { blocks, digests } = await buildHashBlocks(await chunkHashes(bytes, chunkSize));
  const fields: FileManifestFields = {
    relayKey: client.hello.relayPublicKey,
    fileId,
    authorKey: rawPublicKeyOf(client.key),
    target,
    size: bytes.byteLength,
    chunkSize,
    name: 'test.bin',
    type: 'application/octet-stream',
    fileSha256: await sha256(bytes),
    hashBlockSha256: digests,
  };
  const body = encodeFileManifest(fields);
  return { fields, manifest: create(FileManifestSchema, { body, signature: new Uint8Array(sign(null, body, client.key)) }), bytes, hashBlocks: blocks };
}

interface Link {
  readonly pc: PeerConnection;
  dc?: DataChannel;
  readonly peerKey: Uint8Array;
  readonly open: Promise<void>;
  /** Files this side already told the peer about (a `have` is answered once, never echoed back and forth). */
  readonly told: Set<string>;
}

/** Counters a test or bench reads. */
export interface PeerCounters {
  /** Chunk bytes this peer sent to other peers over DataChannels. */
  uploaded: number;
  /** Chunk bytes this peer sent to the relay (fallback). */
  uploadedToRelay: number;
  badChunksSeen: number;
}

/** One node file peer. */
export class FilePeer {
  readonly counters: PeerCounters = { uploaded: 0, uploadedToRelay: 0, badChunksSeen: 0 };
  readonly #client: TestClient;
  readonly #links = new Map<number, Link>();
  readonly #held = new Map<string, { file: SharedFile; have: Bitfield; chunks: Map<number, Uint8Array> }>();
  readonly #corrupt: Set<number>;
  readonly #onWire = new Set<(from: number, msg: FileWire) => void>();
  #untap: () => void;

  /** `corrupt`: chunk indexes this peer serves with one byte flipped. */
  constructor(client: TestClient, options: { corrupt?: Iterable<number> } = {}) {
    this.#client = client;
    this.#corrupt = new Set(options.corrupt ?? []);
    this.#untap = client.socket.tap((m) => {
      if (m.case === 'fileSignal') this.#onSignal(m.value.sessionId, m.value.peerKey, m.value);
      else if (m.case === 'fileRelayWant') this.#serveRelay(m.value.fileId, m.value.chunk, m.value.hashBlock);
    });
  }

  get sessionId(): number {
    return this.#client.sessionId;
  }

  /** Holds the whole file and tells the relay (with the manifest). */
  seed(file: SharedFile): void {
    const hex = Buffer.from(file.fields.fileId).toString('hex');
    const n = Math.ceil(file.fields.size / file.fields.chunkSize);
    const chunks = new Map<number, Uint8Array>();
    for (let i = 0; i < n; i++) chunks.set(i, file.bytes.subarray(i * file.fields.chunkSize, (i + 1) * file.fields.chunkSize));
    this.#held.set(hex, { file, have: new Bitfield(n, true), chunks });
    this.#send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, complete: true } });
  }

  /**
   * Downloads `file` (its manifest as any member has it) from the peers the
   * relay names, checking every chunk; resolves with the bytes. A peer that
   * serves a bad chunk is reported, dropped, and the chunk comes from another.
   */
  async download(file: Pick<SharedFile, 'fields' | 'manifest'>, options: { reaskEvery?: number } = {}): Promise<Uint8Array> {
    const rx = new SwarmReceiver(file.fields);
    const hex = Buffer.from(file.fields.fileId).toString('hex');
    const chunks = new Map<number, Uint8Array>();
    const have = rx.have;
    const hashBlocks: Uint8Array[] = [];
    this.#held.set(hex, { file: { ...file, bytes: new Uint8Array(0), hashBlocks }, have, chunks });
    this.#send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId } });
    this.#send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
    const answer = await this.#client.next('filePeers', (p) => Buffer.from(p.fileId).equals(Buffer.from(file.fields.fileId)));
    if (answer.peers.length === 0) throw new Error(`no peers [code:${answer.code}]`);
    return new Promise<Uint8Array>((resolve, reject) => {
      const pump = (peerId: number): void => {
        const link = this.#links.get(peerId);
        if (!link?.dc?.isOpen()) return;
        while (rx.inFlightOf(String(peerId)) < PIPELINE) {
          const chunk = rx.next(String(peerId));
          if (chunk === undefined) break;
          this.#wire(link, { case: 'request', value: { fileId: file.fields.fileId, chunk } });
        }
      };
      // Start only once every named peer said what it has, so each of them gets requests
      // (deterministic: a test's corrupting peer is always asked for some chunks).
      const heard = new Set<number>();
      const seeders = new Set<number>();
      let sinceAsk = 0;
      const untapPeers = this.#client.socket.tap((m) => {
        if (m.case !== 'filePeers' || !sameId(m.value.fileId, file.fields.fileId)) return;
        for (const p of m.value.peers) {
          // Two downloaders naming each other: only the lower session id offers (no glare).
          if (this.#links.has(p.sessionId) || (!p.complete && p.sessionId < this.sessionId)) continue;
          this.#connect(p.sessionId, p.key, file.fields.fileId).then(
            (link) => {
              link.told.add(hex);
              this.#wire(link, { case: 'have', value: { fileId: file.fields.fileId, bitfield: have.toBytes() } });
            },
            () => {},
          );
        }
      });
      const pumpAll = (): void => {
        if (heard.size < answer.peers.length && !rx.complete) return;
        // Fellow downloaders first, full seeders last: the sender's uplink is the scarce one.
        const order = [...this.#links.keys()].sort((x, y) => Number(seeders.has(x)) - Number(seeders.has(y)));
        for (const id of order) pump(id);
        if (rx.complete) finish();
        else if ([...this.#links.keys()].every((id) => rx.isBad(String(id)))) reject(new Error('every peer served bad chunks'));
      };
      const finish = (): void => {
        this.#onWire.delete(onWire);
        untapPeers();
        const out = new Uint8Array(file.fields.size);
        for (const [i, c] of chunks) out.set(c, i * file.fields.chunkSize);
        this.#send({ case: 'fileAnnounce', value: { fileId: file.fields.fileId, complete: true } });
        resolve(out);
      };
      const onWire = (from: number, msg: FileWire): void => {
        const m = msg.msg;
        if (m.case === 'have' && Buffer.from(m.value.fileId).toString('hex') === hex) {
          heard.add(from);
          if (m.value.complete) seeders.add(from);
          const bits = m.value.complete ? new Bitfield(rx.chunks, true) : decodeBitfield(m.value.bitfield, rx.chunks);
          if (bits instanceof Bitfield) rx.peerHas(String(from), bits);
          else if (bits.ok) rx.peerHas(String(from), bits.value);
          const link = this.#links.get(from);
          for (const b of rx.missingHashBlocks()) if (link) this.#wire(link, { case: 'hashRequest', value: { fileId: file.fields.fileId, block: b } });
          pumpAll();
        } else if (m.case === 'hashBlock') {
          const { block, data } = m.value;
          void rx.addHashBlock(block, data).then((ok) => {
            // Kept to serve on: a finished downloader is a seeder like any other.
            if (ok) hashBlocks[block] = data.slice();
            pumpAll();
          });
        } else if (m.case === 'piece') {
          void rx.piece(String(from), m.value.chunk, m.value.offset, m.value.data).then((out) => {
            if (out.kind === 'chunk') {
              chunks.set(out.chunk, out.data);
              this.#send({ case: 'fileAnnounce', value: { fileId: file.fields.fileId, bitfield: have.toBytes() } });
              for (const link of this.#links.values()) this.#wire(link, { case: 'have', value: { fileId: file.fields.fileId, bitfield: have.toBytes(), complete: have.complete } });
              if (options.reaskEvery && ++sinceAsk >= options.reaskEvery && this.#links.size < 4) {
                sinceAsk = 0;
                this.#send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
              }
            } else if (out.kind === 'bad') {
              this.counters.badChunksSeen++;
              this.#send({ case: 'fileBadChunk', value: { fileId: file.fields.fileId, chunk: out.chunk, sessionId: from } });
              this.#drop(from);
            }
            pumpAll();
          });
        } else if (m.case === 'reject') {
          rx.release(String(from), m.value.chunk);
          pumpAll();
        }
      };
      this.#onWire.add(onWire);
      for (const p of answer.peers) {
        this.#connect(p.sessionId, p.key, file.fields.fileId).then(
          (link) => {
            link.told.add(hex);
            this.#wire(link, { case: 'have', value: { fileId: file.fields.fileId, bitfield: have.toBytes() } });
          },
          (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
        );
      }
    });
  }

  /** Downloads `file` entirely through the relay fallback (no direct connection). */
  async downloadViaRelay(file: Pick<SharedFile, 'fields' | 'manifest'>): Promise<Uint8Array> {
    const f = file.fields;
    const rx = new SwarmReceiver(f);
    this.#send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: f.fileId } });
    const blocks = hashBlockCount(f.size, f.chunkSize);
    const collect = async (index: number, hashBlock: boolean, length: number): Promise<Uint8Array> => {
      const out = new Uint8Array(length);
      let got = 0;
      const done = new Promise<void>((resolve, reject) => {
        const untap = this.#client.socket.tap((m) => {
          if (m.case === 'fileError' && m.value.context === 'relay_want' && m.value.chunk === index) {
            untap();
            reject(Object.assign(new Error(`relay refused [code:${m.value.code}]`), { code: m.value.code }));
          }
          if (m.case !== 'fileRelayPiece' || m.value.chunk !== index || m.value.hashBlock !== hashBlock) return;
          out.set(m.value.data, m.value.offset);
          got += m.value.data.byteLength;
          if (got >= length) {
            untap();
            resolve();
          }
        });
      });
      this.#send({ case: 'fileRelayWant', value: { fileId: f.fileId, chunk: index, hashBlock } });
      await done;
      return out;
    };
    for (let b = 0; b < blocks; b++) {
      const first = b * 1024;
      const count = Math.min(1024, rx.chunks - first);
      if (!(await rx.addHashBlock(b, await collect(b, true, count * 32)))) throw new Error('bad hash block from relay');
    }
    rx.peerHas('relay', new Bitfield(rx.chunks, true));
    const out = new Uint8Array(f.size);
    for (;;) {
      const chunk = rx.next('relay');
      if (chunk === undefined) break;
      const length = Math.min(f.chunkSize, f.size - chunk * f.chunkSize);
      const result = await rx.piece('relay', chunk, 0, await collect(chunk, false, length));
      if (result.kind !== 'chunk') throw new Error(`relay chunk ${chunk}: ${result.kind}`);
      out.set(result.data, chunk * f.chunkSize);
    }
    return out;
  }

  /** Closes every file connection (the control socket stays). */
  close(): void {
    this.#untap();
    for (const id of [...this.#links.keys()]) this.#drop(id);
  }

  #send(msg: EnvelopeInit): void {
    if (this.#client.socket.isOpen) this.#client.send(msg);
  }

  #wire(link: Link, msg: WireInit): void {
    if (!link.dc?.isOpen()) return;
    try {
      link.dc.sendMessageBinary(toBinary(FileWireSchema, create(FileWireSchema, { msg })));
    } catch {
      /* the association went away under us: the peer is gone */
    }
  }

  #drop(peerId: number): void {
    const link = this.#links.get(peerId);
    this.#links.delete(peerId);
    try {
      link?.dc?.close();
      link?.pc.close();
    } catch {
      /* already closed */
    }
  }

  #newLink(peerId: number, peerKey: Uint8Array, fileId: Uint8Array, offerer: boolean): Link {
    const pc = new nodeDataChannel.PeerConnection(`file-${this.sessionId}-${peerId}`, { iceServers: [] });
    let openResolve!: () => void;
    const open = new Promise<void>((resolve) => (openResolve = resolve));
    const link: Link = { pc, peerKey, open, told: new Set() };
    const attach = (dc: DataChannel): void => {
      link.dc = dc;
      dc.onMessage((data) => {
        if (typeof data === 'string') return;
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        let msg: FileWire;
        try {
          msg = fromBinary(FileWireSchema, bytes);
        } catch {
          return;
        }
        this.#serve(link, msg);
        for (const l of this.#onWire) l(peerId, msg);
      });
      if (dc.isOpen()) openResolve();
      else dc.onOpen(() => openResolve());
    };
    pc.onLocalDescription((sdp, type) => {
      const fingerprint = sdpFingerprint(sdp);
      if (!fingerprint) return;
      const body = encodeFileDescription({
        relayKey: this.#client.hello.relayPublicKey,
        fileId,
        fromKey: rawPublicKeyOf(this.#client.key),
        toKey: peerKey,
        kind: type === 'offer' ? FileSdpKind.offer : FileSdpKind.answer,
        fingerprint,
        sdp,
      });
      this.#send({ case: 'fileSignal', value: { fileId, sessionId: peerId, signal: { case: 'description', value: { body, signature: new Uint8Array(sign(null, body, this.#client.key)) } } } });
    });
    pc.onLocalCandidate((candidate, mid) => this.#send({ case: 'fileSignal', value: { fileId, sessionId: peerId, signal: { case: 'candidate', value: { candidate, mid } } } }));
    if (offerer) attach(pc.createDataChannel('parley-file'));
    else pc.onDataChannel((dc) => attach(dc));
    this.#links.set(peerId, link);
    return link;
  }

  async #connect(peerId: number, peerKey: Uint8Array, fileId: Uint8Array): Promise<Link> {
    const link = this.#links.get(peerId) ?? this.#newLink(peerId, peerKey, fileId, true);
    await link.open;
    return link;
  }

  #onSignal(fromId: number, fromKey: Uint8Array, msg: { fileId: Uint8Array; signal: { case: string | undefined; value?: unknown } }): void {
    const s = msg.signal;
    let link = this.#links.get(fromId);
    if (s.case === 'description') {
      const v = s.value as { body: Uint8Array; signature: Uint8Array };
      const d = decodeFileDescription(v.body);
      // The identity binding: signed by the key the relay stamped, and the fingerprint is the SDP's own.
      if (!d.ok || !verifyEd25519(fromKey, v.body, v.signature) || !Buffer.from(d.value.fromKey).equals(Buffer.from(fromKey))) return;
      const fp = sdpFingerprint(d.value.sdp);
      if (!fp || !Buffer.from(fp).equals(Buffer.from(d.value.fingerprint))) return;
      link ??= this.#newLink(fromId, fromKey, msg.fileId, false);
      link.pc.setRemoteDescription(d.value.sdp, d.value.kind === FileSdpKind.offer ? 'offer' : 'answer');
    } else if (s.case === 'candidate' && link) {
      const c = s.value as { candidate: string; mid: string };
      try {
        link.pc.addRemoteCandidate(c.candidate, c.mid);
      } catch {
        /* a candidate for a connection being replaced */
      }
    }
  }

  /** Answers a peer's requests from what this peer holds. */
  #serve(link: Link, msg: FileWire): void {
    const m = msg.msg;
    if (m.case !== 'request' && m.case !== 'hashRequest' && m.case !== 'have') return;
    const held = this.#held.get(Buffer.from(m.value.fileId).toString('hex'));
    if (!held) return;
    if (m.case === 'have') {
      const hex = Buffer.from(m.value.fileId).toString('hex');
      if (link.told.has(hex)) return;
      link.told.add(hex);
      this.#wire(link, { case: 'have', value: { fileId: m.value.fileId, complete: held.have.complete, bitfield: held.have.complete ? new Uint8Array() : held.have.toBytes() } });
    } else if (m.case === 'hashRequest') {
      const data = held.file.hashBlocks[m.value.block];
      if (data) this.#wire(link, { case: 'hashBlock', value: { fileId: m.value.fileId, block: m.value.block, data } });
    } else {
      const chunk = held.chunks.get(m.value.chunk);
      if (!chunk) {
        this.#wire(link, { case: 'reject', value: { fileId: m.value.fileId, chunk: m.value.chunk } });
        return;
      }
      const data = this.#corrupt.has(m.value.chunk) ? flipped(chunk) : chunk;
      for (let o = 0; o < data.byteLength; o += WIRE_PIECE_BYTES) {
        const part = data.subarray(o, o + WIRE_PIECE_BYTES);
        this.#wire(link, { case: 'piece', value: { fileId: m.value.fileId, chunk: m.value.chunk, offset: o, data: part } });
        this.counters.uploaded += part.byteLength;
      }
    }
  }

  /** The relay asks for a chunk or hash block (fallback). */
  #serveRelay(fileId: Uint8Array, index: number, hashBlock: boolean): void {
    const held = this.#held.get(Buffer.from(fileId).toString('hex'));
    const data = hashBlock ? held?.file.hashBlocks[index] : held?.chunks.get(index);
    if (!data) return;
    for (let o = 0; o < data.byteLength; o += RELAY_PIECE_BYTES) {
      const part = data.subarray(o, o + RELAY_PIECE_BYTES);
      this.#send({ case: 'fileRelayPiece', value: { fileId, chunk: index, offset: o, data: part, hashBlock } });
      this.counters.uploadedToRelay += part.byteLength;
    }
  }
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function flipped(chunk: Uint8Array): Uint8Array {
  const out = chunk.slice();
  out[0]! ^= 0xff;
  return out;
}
