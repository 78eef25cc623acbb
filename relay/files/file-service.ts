/**
 * Files on the relay (issue 16): the tracker, the introducer and the
 * fallback behind one object the frame pipeline hands file messages to.
 * The relay introduces and authorises; it does not carry bytes unless the
 * fallback is asked for and allowed. Every refusal is a `FileError` with a
 * code to the asker, and nothing is sent to anyone else.
 */
import { Bitfield, CHAT_ID_BYTES, decodeBitfield, decodeFileDescription, ErrorCode } from '../../proto/index.ts';
import type { EnvelopeInit, FileAnnounce, FileBadChunk, FileRelayPiece, FileRelayWant, FileSignal, FileStop, FileWantPeers } from '../../proto/index.ts';
import { sameBytes, toHex } from '../../proto/bytes.ts';
import { verifyEd25519 } from '../access/ed25519.ts';
import type { ChatActor, ChatPolicy } from '../chat/authorize.ts';
import type { Session } from '../connection/client-connection.ts';
import type { FileClientMessage } from '../connection/control-pipeline.ts';
import type { Clock } from '../options.ts';
import type { Member } from '../presence/presence.ts';
import { KeyedBuckets } from '../rate-limit.ts';
import { FallbackCarrier } from './fallback.ts';
import type { FileLimits } from './file-limits.ts';
import { mayAccessFile } from './file-policy.ts';
import type { FilePolicy } from './file-policy.ts';
import { checkManifest } from './manifest-check.ts';
import { FileTracker } from './tracker.ts';
import type { FileStats } from './file-stats.ts';
import type { TrackedFile } from './tracker.ts';

/** (file, peer) signalling pairs remembered per session, to tell peers when it ends. */
const MAX_SIGNAL_CONTACTS = 64;

/** Peers one `FilePeers` answer names at most. */
export const MAX_PEERS_PER_ANSWER = 4;
/** Longest ICE candidate line accepted. */
const MAX_CANDIDATE_CHARS = 1024;
/** Stopped file ids remembered (so a stopped file cannot be re-announced). */
const MAX_STOPPED = 10_000;

/** Dependencies of a {@link FileService}. */
export interface FileServiceDeps {
  readonly relayKey: Uint8Array;
  readonly clock: Clock;
  readonly limits: FileLimits;
  readonly chatPolicy: ChatPolicy;
  readonly filePolicy: FilePolicy;
  readonly memberOf: (session: Session) => Member | undefined;
  readonly sessionById: (sessionId: number) => Session | undefined;
  /** Whether a session may see a room (relay/visibility/): a file in a room it may not see is unknown to it. Absent: all rooms. */
  readonly sees?: (session: Session, roomId: string) => boolean;
}

type Context = 'announce' | 'want_peers' | 'signal' | 'relay_want' | 'relay_piece' | 'stop' | 'bad_chunk';

const actorOf = (m: Member): ChatActor => ({ publicKeyHex: toHex(m.publicKey), role: m.role });

/** The file feature of one relay. */
export class FileService {
  readonly #deps: FileServiceDeps;
  readonly #tracker: FileTracker;
  readonly #carrier: FallbackCarrier;
  readonly #buckets: KeyedBuckets;
  readonly #stopped = new Set<string>();
  /** Per reporter: holders it reported for a bad chunk, never named to it again ("fileHex:sessionId"). */
  readonly #suspects = new Map<number, Set<string>>();
  /**
   * Per session: the (file, peer) pairs it exchanged signals with, so that
   * when either side's session ends the other is told at once (FILE_PEER_GONE,
   * context "signal") instead of waiting on a connection that never opens.
   * At most {@link MAX_SIGNAL_CONTACTS} per session; beyond, pairs go untracked.
   */
  readonly #contacts = new Map<number, Map<string, { readonly fileId: Uint8Array; readonly peer: number }>>();
  #signals = 0;
  #refused = 0;
  #badReports = 0;

  constructor(deps: FileServiceDeps) {
    this.#deps = deps;
    this.#tracker = new FileTracker(deps.limits);
    this.#buckets = new KeyedBuckets(deps.clock, deps.limits.requestBurst, deps.limits.requestsPerSecond);
    this.#carrier = new FallbackCarrier({
      limits: deps.limits,
      clock: deps.clock,
      send: (id, msg) => {
        const s = deps.sessionById(id);
        if (!s || s.congested) return false;
        s.send(msg);
        return true;
      },
    });
  }

  /** Counters now. */
  stats(): FileStats {
    const c = this.#carrier.counters;
    return {
      filesTracked: this.#tracker.size,
      signalsForwarded: this.#signals,
      refused: this.#refused,
      relayBytesIn: c.bytesIn,
      relayBytesOut: c.bytesOut,
      relayCacheBytes: this.#carrier.cacheBytes,
      relayCacheHits: c.cacheHits,
      badChunkReports: this.#badReports,
    };
  }

  /** Entry point of the frame pipeline: one client->relay file message. */
  handle(session: Session, msg: FileClientMessage): void {
    switch (msg.case) {
      case 'fileAnnounce':
        return this.announce(session, msg.value);
      case 'fileWantPeers':
        return this.wantPeers(session, msg.value);
      case 'fileSignal':
        return this.signal(session, msg.value);
      case 'fileRelayWant':
        return this.relayWant(session, msg.value);
      case 'fileRelayPiece':
        return this.relayPiece(session, msg.value);
      case 'fileStop':
        return this.stop(session, msg.value);
      case 'fileBadChunk':
        return this.badChunk(session, msg.value);
    }
  }

  /** `fileAnnounce`: I hold these chunks (first time: with the manifest). */
  announce(session: Session, msg: FileAnnounce): void {
    const me = this.#gate(session, msg.fileId, 'announce');
    if (!me) return;
    const idHex = toHex(msg.fileId);
    if (this.#stopped.has(idHex)) return this.#refuse(session, msg.fileId, ErrorCode.FILE_STOPPED, 'announce');
    const manifest = this.#tracker.file(idHex)?.manifest ?? (() => {
      const check = checkManifest(msg.manifest, this.#deps.relayKey, this.#deps.limits);
      if (!check.ok) {
        this.#refuse(session, msg.fileId, check.code, 'announce');
        return undefined;
      }
      if (!sameBytes(check.fields.fileId, msg.fileId)) {
        this.#refuse(session, msg.fileId, ErrorCode.FILE_BAD_MANIFEST, 'announce');
        return undefined;
      }
      return check.fields;
    })();
    if (!manifest) return;
    if (!mayAccessFile(actorOf(me), manifest, this.#deps.chatPolicy, this.#deps.filePolicy)) return this.#refuse(session, msg.fileId, ErrorCode.FILE_FORBIDDEN, 'announce');
    const chunks = Math.ceil(manifest.size / manifest.chunkSize);
    let bits: Bitfield;
    if (msg.complete) bits = new Bitfield(chunks, true);
    else if (msg.bitfield.byteLength === 0) bits = new Bitfield(chunks);
    else {
      const decoded = decodeBitfield(msg.bitfield, chunks);
      if (!decoded.ok) return this.#refuse(session, msg.fileId, ErrorCode.BAD_REQUEST, 'announce');
      bits = decoded.value;
    }
    const result = this.#tracker.announce(idHex, manifest, me.sessionId, me.publicKey, bits);
    if (typeof result === 'string') this.#refuse(session, msg.fileId, ErrorCode.FILE_LIMIT, 'announce');
  }

  /** `fileWantPeers`: answers `FilePeers`, rarest-first holders. */
  wantPeers(session: Session, msg: FileWantPeers): void {
    const me = this.#gate(session, msg.fileId, 'want_peers');
    if (!me) return;
    const file = this.#accessible(session, me, msg.fileId, 'want_peers');
    if (!file) return;
    const suspects = this.#suspects.get(me.sessionId);
    const peers = this.#tracker
      .pickPeers(file, me.sessionId, MAX_PEERS_PER_ANSWER + (suspects?.size ?? 0))
      .filter((h) => !suspects?.has(`${file.idHex}:${h.sessionId}`))
      .slice(0, MAX_PEERS_PER_ANSWER);
    let holders = 0;
    for (const h of file.holders.values()) if (h.sessionId !== me.sessionId && h.bits.count > 0) holders++;
    session.send({
      case: 'filePeers',
      value: {
        fileId: msg.fileId,
        peers: peers.map((h) => ({ sessionId: h.sessionId, key: h.key, complete: h.bits.complete, bitfield: h.bits.complete ? new Uint8Array() : h.bits.toBytes() })),
        fallback: this.#deps.limits.relayFallback,
        holders,
      },
    });
  }

  /** `fileSignal`: forwarded only between two sessions that may both see the file. */
  signal(session: Session, msg: FileSignal): void {
    const me = this.#gate(session, msg.fileId, 'signal');
    if (!me) return;
    const file = this.#accessible(session, me, msg.fileId, 'signal');
    if (!file) return;
    const target = this.#deps.sessionById(msg.sessionId);
    const them = target ? this.#deps.memberOf(target) : undefined;
    if (!target || !them || them.sessionId === me.sessionId) return this.#refuse(session, msg.fileId, ErrorCode.FILE_PEER_GONE, 'signal', msg.sessionId);
    if (!mayAccessFile(actorOf(them), file.manifest, this.#deps.chatPolicy, this.#deps.filePolicy)) return this.#refuse(session, msg.fileId, ErrorCode.FILE_FORBIDDEN, 'signal', msg.sessionId);
    const s = msg.signal;
    if (s.case === 'description') {
      const d = decodeFileDescription(s.value.body);
      const fine =
        d.ok &&
        sameBytes(d.value.relayKey, this.#deps.relayKey) &&
        sameBytes(d.value.fileId, msg.fileId) &&
        sameBytes(d.value.fromKey, me.publicKey) &&
        sameBytes(d.value.toKey, them.publicKey);
      if (!fine) return this.#refuse(session, msg.fileId, ErrorCode.BAD_REQUEST, 'signal', msg.sessionId);
      if (!verifyEd25519(me.publicKey, s.value.body, s.value.signature)) return this.#refuse(session, msg.fileId, ErrorCode.BAD_SIGNATURE, 'signal', msg.sessionId);
    } else if (s.case === 'candidate') {
      if (s.value.candidate.length > MAX_CANDIDATE_CHARS || s.value.mid.length > 64) return this.#refuse(session, msg.fileId, ErrorCode.TOO_LARGE, 'signal', msg.sessionId);
    } else {
      return this.#refuse(session, msg.fileId, ErrorCode.BAD_REQUEST, 'signal', msg.sessionId);
    }
    this.#signals++;
    this.#contact(me.sessionId, target.sessionId ?? msg.sessionId, msg.fileId);
    this.#contact(target.sessionId ?? msg.sessionId, me.sessionId, msg.fileId);
    target.send({ case: 'fileSignal', value: { fileId: msg.fileId, sessionId: me.sessionId, peerKey: me.publicKey, signal: s } });
  }

  /** `fileRelayWant`: carry one chunk through the relay (fallback). */
  relayWant(session: Session, msg: FileRelayWant): void {
    const me = this.#gate(session, msg.fileId, 'relay_want');
    if (!me) return;
    if (!this.#deps.limits.relayFallback) return this.#refuse(session, msg.fileId, ErrorCode.FILE_FALLBACK_OFF, 'relay_want', 0, msg.chunk);
    const file = this.#accessible(session, me, msg.fileId, 'relay_want');
    if (!file) return;
    const units = msg.hashBlock ? file.manifest.hashBlockSha256.length : file.chunks;
    if (msg.chunk >= units) return this.#refuse(session, msg.fileId, ErrorCode.BAD_REQUEST, 'relay_want', 0, msg.chunk);
    const code = this.#carrier.want(file, msg.chunk, me.sessionId, () => {
      let best;
      for (const h of file.holders.values()) {
        // Any holder of the chunk; for a hash block, one with the whole file (it surely has the hashes).
        const useful = msg.hashBlock ? h.bits.complete : h.bits.has(msg.chunk);
        if (h.sessionId === me.sessionId || !useful || this.#deps.sessionById(h.sessionId)?.congested !== false) continue;
        if (!best || h.named < best.named) best = h;
      }
      if (best) best.named++;
      return best;
    }, msg.hashBlock);
    if (code !== null) this.#refuse(session, msg.fileId, code, 'relay_want', 0, msg.chunk);
  }

  /** True when `msg` is the next piece this relay asked `session` (a holder) for: it was paid from the fallback budget already. */
  expectsPiece(session: Session, msg: FileRelayPiece): boolean {
    const me = this.#deps.memberOf(session);
    return me !== undefined && msg.fileId.byteLength === CHAT_ID_BYTES && this.#carrier.expects(me.sessionId, toHex(msg.fileId), msg);
  }

  /** `fileRelayPiece` from a holder the relay asked. */
  relayPiece(session: Session, msg: FileRelayPiece): void {
    const me = this.#deps.memberOf(session);
    if (!me || msg.fileId.byteLength !== CHAT_ID_BYTES) return;
    const problem = this.#carrier.piece(me.sessionId, toHex(msg.fileId), msg);
    if (problem) this.#refuse(session, msg.fileId, ErrorCode.BAD_REQUEST, 'relay_piece', 0, msg.chunk);
  }

  /** `fileStop`: stop seeding; from the author, stop sharing for everyone. */
  stop(session: Session, msg: FileStop): void {
    const me = this.#gate(session, msg.fileId, 'stop');
    if (!me) return;
    const idHex = toHex(msg.fileId);
    const file = this.#tracker.file(idHex);
    if (!file) return;
    if (!sameBytes(file.manifest.authorKey, me.publicKey)) {
      this.#tracker.leave(idHex, me.sessionId);
      return;
    }
    if (this.#stopped.size >= MAX_STOPPED) this.#stopped.delete(this.#stopped.values().next().value as string);
    this.#stopped.add(idHex);
    this.#carrier.dropFile(idHex);
    for (const h of this.#tracker.drop(idHex)) {
      if (h.sessionId !== me.sessionId) this.#deps.sessionById(h.sessionId)?.send({ case: 'fileStop', value: { fileId: msg.fileId, byAuthor: true } });
    }
  }

  /** `fileBadChunk`: that holder is never named to the reporter again; a relay-carried chunk is evicted. */
  badChunk(session: Session, msg: FileBadChunk): void {
    const me = this.#gate(session, msg.fileId, 'bad_chunk');
    if (!me) return;
    const idHex = toHex(msg.fileId);
    if (!this.#tracker.file(idHex)) return;
    this.#badReports++;
    if (msg.sessionId === 0) {
      this.#carrier.evict(idHex, msg.chunk);
      return;
    }
    let set = this.#suspects.get(me.sessionId);
    if (!set) this.#suspects.set(me.sessionId, (set = new Set()));
    if (set.size < this.#deps.limits.maxFilesPerSession) set.add(`${idHex}:${msg.sessionId}`);
  }

  /** A session ended: it holds and waits for nothing any more. */
  sessionClosed(sessionId: number): void {
    this.#tracker.forgetSession(sessionId);
    this.#carrier.forgetSession(sessionId);
    this.#suspects.delete(sessionId);
    const contacts = this.#contacts.get(sessionId);
    this.#contacts.delete(sessionId);
    for (const { fileId, peer } of contacts?.values() ?? []) {
      this.#contacts.get(peer)?.delete(`${toHex(fileId)}:${sessionId}`);
      const other = this.#deps.sessionById(peer);
      other?.send({ case: 'fileError', value: { fileId, code: ErrorCode.FILE_PEER_GONE, context: 'signal', sessionId, chunk: 0 } });
    }
  }

  #contact(sessionId: number, peer: number, fileId: Uint8Array): void {
    let m = this.#contacts.get(sessionId);
    if (!m) this.#contacts.set(sessionId, (m = new Map()));
    if (m.size < MAX_SIGNAL_CONTACTS) m.set(`${toHex(fileId)}:${peer}`, { fileId, peer });
  }

  /** Common gate: signed in, files on, a well-formed id, within the request rate. */
  #gate(session: Session, fileId: Uint8Array, context: Context): Member | undefined {
    const me = this.#deps.memberOf(session);
    if (!me) return undefined;
    if (!this.#deps.limits.enabled) return void this.#refuse(session, fileId, ErrorCode.FILE_DISABLED, context);
    if (fileId.byteLength !== CHAT_ID_BYTES) return void this.#refuse(session, fileId, ErrorCode.BAD_REQUEST, context);
    if (this.#buckets.take(toHex(me.publicKey)) > 0) return void this.#refuse(session, fileId, ErrorCode.RATE_LIMITED, context);
    return me;
  }

  /** The tracked file if `me` may see it; otherwise refuses (unknown, stopped or forbidden). */
  #accessible(session: Session, me: Member, fileId: Uint8Array, context: Context): TrackedFile | undefined {
    const idHex = toHex(fileId);
    const file = this.#tracker.file(idHex);
    if (!file) return void this.#refuse(session, fileId, this.#stopped.has(idHex) ? ErrorCode.FILE_STOPPED : ErrorCode.FILE_UNKNOWN, context);
    // A file in a room hidden from `me` does not exist for `me`: FORBIDDEN would say it does.
    const t = file.manifest.target;
    if (t.kind === 'room' && this.#deps.sees && !this.#deps.sees(session, t.roomId)) return void this.#refuse(session, fileId, ErrorCode.FILE_UNKNOWN, context);
    if (!mayAccessFile(actorOf(me), file.manifest, this.#deps.chatPolicy, this.#deps.filePolicy)) return void this.#refuse(session, fileId, ErrorCode.FILE_FORBIDDEN, context);
    return file;
  }

  #refuse(session: Session, fileId: Uint8Array, code: ErrorCode, context: Context, sessionId = 0, chunk = 0): void {
    this.#refused++;
    const value: EnvelopeInit = { case: 'fileError', value: { fileId, code, context, sessionId, chunk } };
    session.send(value);
  }
}
