/**
 * The tracker: per file, which session holds which chunks, and whom a
 * downloader should fetch from. Pure state (no sockets); the file service
 * feeds it announcements and session ends.
 *
 * Bounded three ways: files tracked, holders per file, files per session; a
 * bitfield's size is the manifest's chunk count (at most 8 KiB). A file is
 * forgotten when its last holder leaves.
 */
import { Bitfield, chunkCount } from '../../proto/index.ts';
import type { FileManifestFields } from '../../proto/index.ts';
import { sameBytes } from '../../proto/bytes.ts';

/** One session's view of one file. */
export interface Holder {
  readonly sessionId: number;
  readonly key: Uint8Array;
  bits: Bitfield;
  /** Times the tracker named this holder to someone (spreads load: a tree, not a star). */
  named: number;
}

/** A tracked file. */
export interface TrackedFile {
  readonly idHex: string;
  readonly manifest: FileManifestFields;
  readonly chunks: number;
  readonly holders: Map<number, Holder>;
}

/** Why the tracker refused. */
export type TrackRefusal = 'files-full' | 'holders-full' | 'session-full';

/** Tracker bounds. */
export interface TrackerLimits {
  readonly maxFiles: number;
  readonly maxHoldersPerFile: number;
  readonly maxFilesPerSession: number;
}

/** Who holds what, per file. */
export class FileTracker {
  readonly #files = new Map<string, TrackedFile>();
  readonly #bySession = new Map<number, Set<string>>();
  readonly #limits: TrackerLimits;

  constructor(limits: TrackerLimits) {
    this.#limits = limits;
  }

  /** Files tracked now. */
  get size(): number {
    return this.#files.size;
  }

  /** The tracked file with id `idHex`, if any. */
  file(idHex: string): TrackedFile | undefined {
    return this.#files.get(idHex);
  }

  /**
   * Records that `sessionId` holds `bits` of the file of `manifest` (an empty
   * field registers a downloader). Starts tracking the file if new.
   */
  announce(idHex: string, manifest: FileManifestFields, sessionId: number, key: Uint8Array, bits: Bitfield): TrackedFile | TrackRefusal {
    let file = this.#files.get(idHex);
    const mine = this.#bySession.get(sessionId);
    const known = mine?.has(idHex) === true;
    if (!known && (mine?.size ?? 0) >= this.#limits.maxFilesPerSession) return 'session-full';
    if (!file) {
      if (this.#files.size >= this.#limits.maxFiles) return 'files-full';
      file = { idHex, manifest, chunks: chunkCount(manifest.size, manifest.chunkSize), holders: new Map() };
      this.#files.set(idHex, file);
    }
    const holder = file.holders.get(sessionId);
    if (holder) {
      holder.bits = bits;
      return file;
    }
    if (file.holders.size >= this.#limits.maxHoldersPerFile) {
      if (file.holders.size === 0) this.#files.delete(idHex);
      return 'holders-full';
    }
    file.holders.set(sessionId, { sessionId, key, bits, named: 0 });
    if (mine) mine.add(idHex);
    else this.#bySession.set(sessionId, new Set([idHex]));
    return file;
  }

  /** Removes one session from one file (stop seeding); forgets the file when nobody is left. */
  leave(idHex: string, sessionId: number): void {
    const file = this.#files.get(idHex);
    file?.holders.delete(sessionId);
    this.#bySession.get(sessionId)?.delete(idHex);
    if (file && file.holders.size === 0) this.#files.delete(idHex);
  }

  /** Forgets a file entirely (the author stopped sharing); returns who held it. */
  drop(idHex: string): Holder[] {
    const file = this.#files.get(idHex);
    if (!file) return [];
    this.#files.delete(idHex);
    for (const id of file.holders.keys()) this.#bySession.get(id)?.delete(idHex);
    return [...file.holders.values()];
  }

  /** Forgets everything about a session (it disconnected). */
  forgetSession(sessionId: number): void {
    for (const idHex of this.#bySession.get(sessionId) ?? []) {
      const file = this.#files.get(idHex);
      file?.holders.delete(sessionId);
      if (file && file.holders.size === 0) this.#files.delete(idHex);
    }
    this.#bySession.delete(sessionId);
  }

  /**
   * Up to `max` holders for `askerId` to fetch from: for the chunks the asker
   * lacks, rarest first, each time the least-named holder of that chunk not
   * yet picked; then, if room is left, other useful holders, least-named
   * first. Naming spreads downloaders over early finishers instead of all on
   * the sender; and the file's author comes after every other holder of a
   * chunk (a tree, not a star: once others hold a chunk they serve it, and
   * the author's uplink is kept for the chunks only it has).
   */
  pickPeers(file: TrackedFile, askerId: number, max: number): Holder[] {
    const mine = file.holders.get(askerId)?.bits;
    const others = [...file.holders.values()].filter((h) => h.sessionId !== askerId && h.bits.count > 0);
    const availability = new Uint16Array(file.chunks);
    let complete = 0;
    for (const h of others) {
      if (h.bits.complete) complete++;
      else for (const i of h.bits.indexes()) availability[i]!++;
    }
    const lacking: number[] = [];
    for (let i = 0; i < file.chunks; i++) if (!mine?.has(i) && availability[i]! + complete > 0) lacking.push(i);
    lacking.sort((a, b) => availability[a]! - availability[b]! || a - b);
    const picked: Holder[] = [];
    const author = (h: Holder): number => Number(sameBytes(h.key, file.manifest.authorKey));
    const byLoad = [...others].sort((a, b) => author(a) - author(b) || a.named - b.named || a.sessionId - b.sessionId);
    for (const chunk of lacking) {
      if (picked.length >= max) break;
      if (picked.some((h) => h.bits.has(chunk))) continue;
      const h = byLoad.find((c) => !picked.includes(c) && c.bits.has(chunk));
      if (h) picked.push(h);
    }
    for (const h of byLoad) {
      if (picked.length >= max) break;
      if (!picked.includes(h) && lacking.some((c) => h.bits.has(c))) picked.push(h);
    }
    for (const h of picked) h.named++;
    return picked;
  }
}
