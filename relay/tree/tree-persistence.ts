/**
 * Where the room tree lives in LevelDB, and how it is loaded, seeded and
 * compacted. Keys (values are JSON; bytes are base64):
 *
 *   tree:snapshot               { v2, upTo, epoch }  compacted document (Yjs v2 update)
 *                               and the document's epoch (tree-epoch.ts; absent = 0)
 *   tree-upd:<n, 12 digits>     v1 Yjs update of one batch, written after the snapshot
 *   op-logs:<seq, 12 digits>    binary: the audit records of one batch's applied ops,
 *                               keyed by the first one's seq (op-records.ts)
 *   op-verdicts:<n, 12 digits>  binary: the verdicts one batch reached (op-records.ts)
 *   op-dev:<key hex>            last sequence number seen from that device key
 *   op-fv:<key hex>             binary: the kept verdicts of a key without a role
 *                               (free-verdicts.ts; bounded per key and in total)
 *   cluster:log-seq             in a cluster, the shared log's last entry this
 *                               store holds (written in the same batch as it)
 *
 * Relays before the batch layouts wrote one JSON record per op
 * (`op-log:<seq>` { at, body, sig } and `op-verdict:<op id hex>`
 * { code, reason, seq }); those are still read.
 *
 * A batch's records (update, audit, device seqs, verdicts) are written in one
 * synced LevelDB batch before any of its ops is acknowledged; when
 * {@link shouldCompact} says so, the same batch also replaces the updates
 * with a fresh snapshot.
 */
import * as Y from 'yjs';
import { IndexedRooms, MAX_ROOM_NAME_CHARS, opHex, readRooms, ROOT_ID, writeRooms } from '../../crdt/index.ts';
import type { RejectCode, RoomRecord, Rooms } from '../../crdt/index.ts';
import { RelayError } from '../errors.ts';
import { firstTreeEpoch } from './tree-epoch.ts';
import { FREE_VERDICTS_PREFIX } from './free-verdicts.ts';
import { SEED_ROOMS } from '../presence/rooms.ts';
import type { Store, StoredRoom } from '../storage/store.ts';
import { decodeAuditBatch, decodeVerdictBatch, encodeAuditBatch, encodeVerdictBatch } from './op-records.ts';
import type { AuditRecord, Verdict, VerdictRecord } from './op-records.ts';
import { isRecord } from '../../proto/bytes.ts';
import { defaultAcl } from '../../perms/index.ts';

export type { AuditRecord, Verdict, VerdictRecord } from './op-records.ts';

/** Most update records kept past the snapshot (each is one batch's merged update). */
export const COMPACT_MAX_RECORDS = 500;
/** Update bytes past the snapshot that never force a compaction on their own, however small the snapshot. */
export const COMPACT_MIN_BYTES = 64 * 1024;

/** What the compaction rule looks at. */
export interface UpdateBacklog {
  /** Update records written since the snapshot. */
  readonly records: number;
  /** Their total size in bytes. */
  readonly bytes: number;
  /** Size of the snapshot they follow (Yjs v2 bytes). */
  readonly snapshotBytes: number;
}

/**
 * Whether to fold the updates into a new snapshot now. A snapshot costs work
 * in proportion to the document, so it is taken once the updates since the
 * last one outweigh it (and at least {@link COMPACT_MIN_BYTES}): the cost per
 * written byte stays constant as the tree grows and the stored document stays
 * under about twice its compacted size. The record cap bounds how many
 * updates a restart has to apply.
 */
export function shouldCompact(backlog: UpdateBacklog): boolean {
  return backlog.records >= COMPACT_MAX_RECORDS || backlog.bytes >= Math.max(COMPACT_MIN_BYTES, backlog.snapshotBytes);
}

const SNAPSHOT = 'tree:snapshot';
const UPDATE_PREFIX = 'tree-upd:';
const AUDIT_PREFIX = 'op-logs:';
const VERDICTS_PREFIX = 'op-verdicts:';
const DEVICE_PREFIX = 'op-dev:';
const LEGACY_LOG_PREFIX = 'op-log:';
const LEGACY_VERDICT_PREFIX = 'op-verdict:';
const LOG_SEQ = 'cluster:log-seq';

/** Which op ids a stored verdict batch holds, and when it was written. */
export interface StoredVerdictBatch {
  readonly n: number;
  readonly atMs: number;
  readonly opIds: readonly string[];
}

/** Everything the op pipeline starts from. */
export interface LoadedTree {
  readonly doc: Y.Doc;
  readonly rooms: Rooms;
  readonly devices: Map<string, number>;
  readonly verdicts: Map<string, Verdict>;
  /** Next audit log number. */
  readonly nextSeq: number;
  /** Next verdict batch number. */
  readonly nextVerdictBatch: number;
  /** The stored verdict batches, oldest first (for expiry). */
  readonly verdictBatches: readonly StoredVerdictBatch[];
  /** Next update key number. */
  readonly nextUpdate: number;
  /** Key numbers of the update records past the snapshot. */
  readonly updateKeys: readonly number[];
  /** Their total size in bytes. */
  readonly updateBytes: number;
  /** Size of the stored snapshot (Yjs v2 bytes). */
  readonly snapshotBytes: number;
  /** The document's epoch (tree-epoch.ts): 0 for a tree stored before epochs. */
  readonly epoch: number;
  /** The stored per-key verdicts of keys without a role, for FreeVerdicts.load. */
  readonly freeVerdictRows: ReadonlyArray<readonly [string, unknown]>;
  /** In a cluster: the last shared-log entry applied (0: none). */
  readonly logSeq: number;
}

/** A store write in a batch. */
export type Entry = readonly [key: string, value: unknown];

const pad = (n: number): string => String(n).padStart(12, '0');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));


/** The server name as a valid room name: cut at the limit in code points (not UTF-16 units, which would split a pair), then trimmed again. */
function rootName(serverName: string): string {
  return [...serverName.trim()].slice(0, MAX_ROOM_NAME_CHARS).join('').trim() || 'Parley';
}

/** The tree a fresh relay starts with: a root holding the two rooms of the old flat list (their names and voice ids carried over). */
export function seedRooms(legacy: readonly StoredRoom[] | undefined, serverName: string): RoomRecord[] {
  const old: readonly (StoredRoom | RoomRecord)[] = legacy && legacy.length > 0 ? legacy : SEED_ROOMS;
  const children: RoomRecord[] = old.map((r, position) => ({ id: r.id, name: r.name, parent: ROOT_ID, position, description: r.description, userLimit: r.userLimit, voiceId: r.voiceId, acl: defaultAcl(false) }));
  const rootVoice = Math.max(0, ...children.map((r) => r.voiceId)) + 1;
  return [{ id: ROOT_ID, name: rootName(serverName), parent: '', position: 0, description: '', userLimit: 0, voiceId: rootVoice, acl: defaultAcl(true) }, ...children];
}

/** Loads the tree (seeding it on first start) and the op bookkeeping. */
export async function loadTree(store: Store, serverName: string): Promise<LoadedTree> {
  const doc = new Y.Doc();
  let nextUpdate = 0;
  let snapshotBytes = 0;
  let updateBytes = 0;
  let epoch = 0;
  const updateKeys: number[] = [];
  try {
    const [snap] = await store.readRange(SNAPSHOT, { limit: 1 });
    if (snap && snap[0] === SNAPSHOT && isRecord(snap[1]) && typeof snap[1].v2 === 'string') {
      const v2 = unb64(snap[1].v2);
      Y.applyUpdateV2(doc, v2);
      snapshotBytes = v2.byteLength;
      nextUpdate = typeof snap[1].upTo === 'number' ? snap[1].upTo : 0;
      epoch = typeof snap[1].epoch === 'number' && Number.isSafeInteger(snap[1].epoch) ? snap[1].epoch : 0;
    }
    for (const [key, value] of await store.readRange(UPDATE_PREFIX)) {
      if (typeof value !== 'string') continue;
      const update = unb64(value);
      Y.applyUpdate(doc, update);
      const n = Number(key.slice(UPDATE_PREFIX.length));
      nextUpdate = Math.max(nextUpdate, n + 1);
      updateKeys.push(n);
      updateBytes += update.byteLength;
    }
  } catch (error) {
    throw RelayError.storage('stored room tree is unreadable', error);
  }
  // Indexed: the relay validates every op against this tree (crdt/room-index.ts).
  let rooms: Rooms = new IndexedRooms(readRooms(doc));
  let seeded = false;
  if (!rooms.has(ROOT_ID)) {
    const seed = seedRooms(store.rooms(), serverName);
    rooms = new IndexedRooms(seed.map((r) => [r.id, r]));
    writeRooms(doc, rooms, rooms.keys(), 'seed');
    seeded = true;
  }
  const devices = new Map<string, number>();
  for (const [key, value] of await store.readRange(DEVICE_PREFIX)) if (typeof value === 'number') devices.set(key.slice(DEVICE_PREFIX.length), value);
  const verdicts = new Map<string, Verdict>();
  for (const [key, value] of await store.readRange(LEGACY_VERDICT_PREFIX)) {
    if (isRecord(value) && typeof value.reason === 'string' && typeof value.seq === 'number') {
      verdicts.set(key.slice(LEGACY_VERDICT_PREFIX.length), { code: typeof value.code === 'string' ? (value.code as RejectCode) : null, reason: value.reason, seq: value.seq });
    }
  }
  let nextVerdictBatch = 0;
  const verdictBatches: StoredVerdictBatch[] = [];
  for (const [key, value] of await store.readRange(VERDICTS_PREFIX, { binary: true })) {
    const n = Number(key.slice(VERDICTS_PREFIX.length));
    nextVerdictBatch = Math.max(nextVerdictBatch, n + 1);
    const batch = value instanceof Uint8Array ? decodeVerdictBatch(value) : null;
    if (!batch) continue;
    const opIds = batch.records.map((r) => opHex(r.opId));
    batch.records.forEach((r, i) => verdicts.set(opIds[i]!, r.verdict));
    verdictBatches.push({ n, atMs: batch.atMs, opIds });
  }
  const freeVerdictRows = await store.readRange(FREE_VERDICTS_PREFIX, { binary: true });
  const [logRow] = await store.readRange(LOG_SEQ, { limit: 1 });
  const logSeq = logRow && logRow[0] === LOG_SEQ && typeof logRow[1] === 'number' ? logRow[1] : 0;
  let nextSeq = 1;
  const [legacyLast] = await store.readRange(LEGACY_LOG_PREFIX, { reverse: true, limit: 1 });
  if (legacyLast) nextSeq = Number(legacyLast[0].slice(LEGACY_LOG_PREFIX.length)) + 1;
  const [last] = await store.readRange(AUDIT_PREFIX, { reverse: true, limit: 1, binary: true });
  const lastBatch = last && last[1] instanceof Uint8Array ? decodeAuditBatch(last[1]) : null;
  if (last) nextSeq = Math.max(nextSeq, Number(last[0].slice(AUDIT_PREFIX.length)) + (lastBatch?.length ?? 1));
  if (seeded) {
    // A new tree gets a random epoch, so a replica cached from an earlier tree at this address never matches it.
    epoch = firstTreeEpoch();
    const snapshot = snapshotEntries(doc, nextUpdate, [], epoch);
    await store.writeBatch(snapshot.entries, true);
    snapshotBytes = snapshot.bytes;
  }
  return { doc, rooms, devices, verdicts, verdictBatches, nextSeq, nextVerdictBatch, nextUpdate, updateKeys, updateBytes, snapshotBytes, epoch, freeVerdictRows, logSeq };
}

/** Batch entries that replace the updates `updateKeys` (all below `upTo`) with a snapshot of `doc` in `epoch`, and the snapshot's size. */
export function snapshotEntries(doc: Y.Doc, upTo: number, updateKeys: readonly number[], epoch: number): { entries: Entry[]; bytes: number } {
  const v2 = Y.encodeStateAsUpdateV2(doc);
  return { entries: [[SNAPSHOT, { v2: b64(v2), upTo, epoch }], ...updateKeys.map((n): Entry => [UPDATE_PREFIX + pad(n), undefined])], bytes: v2.byteLength };
}

/** The entry of one document update. */
export function updateEntry(n: number, update: Uint8Array): Entry {
  return [UPDATE_PREFIX + pad(n), b64(update)];
}

/** The entry recording that the store holds the shared log up to `seq` (cluster). */
export function logSeqEntry(seq: number): Entry {
  return [LOG_SEQ, seq];
}

/** The entry of one device's last sequence number. */
export function deviceEntry(deviceHex: string, seq: number): Entry {
  return [DEVICE_PREFIX + deviceHex, seq];
}

/** The entry holding the audit records of one batch's applied ops (none when it applied nothing). */
export function auditEntries(records: readonly AuditRecord[]): Entry[] {
  return records.length === 0 ? [] : [[AUDIT_PREFIX + pad(records[0]!.seq), encodeAuditBatch(records)]];
}

/** The entry holding one batch's verdicts, written at `atMs`, as verdict batch `n` (none when it reached none). */
export function verdictEntries(n: number, atMs: number, records: readonly VerdictRecord[]): Entry[] {
  return records.length === 0 ? [] : [[VERDICTS_PREFIX + pad(n), encodeVerdictBatch(atMs, records)]];
}

/** The entry deleting verdict batch `n`. */
export function verdictDeletion(n: number): Entry {
  return [VERDICTS_PREFIX + pad(n), undefined];
}

/** Audit entries below `beforeSeq` (0 = newest), newest first, at most `limit`. */
export async function readAudit(store: Store, beforeSeq: number, limit: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  const below = (seq: number): boolean => beforeSeq <= 0 || seq < beforeSeq;
  // A batch record is keyed by its first seq, so the one holding `beforeSeq - 1` is the first below that key.
  const batches = store.iterateRange(AUDIT_PREFIX, { reverse: true, binary: true, ...(beforeSeq > 0 ? { lt: AUDIT_PREFIX + pad(beforeSeq) } : {}) });
  for await (const [, value] of batches) {
    const records = value instanceof Uint8Array ? decodeAuditBatch(value) : null;
    if (!records) continue;
    for (let i = records.length - 1; i >= 0 && out.length < limit; i--) if (below(records[i]!.seq)) out.push(records[i]!);
    if (out.length >= limit) return out;
  }
  const legacyBefore = out.length > 0 ? out[out.length - 1]!.seq : beforeSeq;
  const rows = await store.readRange(LEGACY_LOG_PREFIX, { reverse: true, limit: limit - out.length, ...(legacyBefore > 0 ? { lt: LEGACY_LOG_PREFIX + pad(legacyBefore) } : {}) });
  for (const [key, v] of rows) {
    if (isRecord(v) && typeof v.at === 'number' && typeof v.body === 'string' && typeof v.sig === 'string') {
      out.push({ seq: Number(key.slice(LEGACY_LOG_PREFIX.length)), atMs: v.at, body: unb64(v.body), signature: unb64(v.sig) });
    }
  }
  return out;
}
