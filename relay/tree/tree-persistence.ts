/**
 * Where the room tree lives in LevelDB, and how it is loaded, seeded and
 * compacted. Keys (values are JSON; bytes are base64):
 *
 *   tree:snapshot            { v2, upTo }  compacted document (Yjs v2 update)
 *   tree-upd:<n, 12 digits>  v1 Yjs update written after the snapshot
 *   op-log:<seq, 12 digits>  { at, body, sig }  the audit log, one per applied op
 *   op-dev:<key hex>         last sequence number seen from that device key
 *   op-verdict:<op id hex>   { code, reason, seq }  verdict of each verified op
 *
 * An op's records (update, log entry, device seq, verdict) are written in one
 * synced batch before it is acknowledged; every {@link COMPACT_EVERY} updates
 * the same batch also replaces the updates with a fresh snapshot.
 */
import * as Y from 'yjs';
import { readRooms, ROOT_ID, writeRooms } from '../../crdt/index.ts';
import type { RejectCode, RoomRecord, Rooms } from '../../crdt/index.ts';
import { RelayError } from '../errors.ts';
import type { Store, StoredRoom } from '../store.ts';

/** Updates between two snapshots. */
export const COMPACT_EVERY = 500;

const SNAPSHOT = 'tree:snapshot';
const UPDATE_PREFIX = 'tree-upd:';
const LOG_PREFIX = 'op-log:';
const DEVICE_PREFIX = 'op-dev:';
const VERDICT_PREFIX = 'op-verdict:';

/** A stored verdict: `code` null = applied as `seq`. */
export interface Verdict {
  readonly code: RejectCode | null;
  readonly reason: string;
  readonly seq: number;
}

/** One audit log entry as stored. */
export interface AuditRecord {
  readonly seq: number;
  readonly atMs: number;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

/** Everything the op pipeline starts from. */
export interface LoadedTree {
  readonly doc: Y.Doc;
  readonly rooms: Rooms;
  readonly devices: Map<string, number>;
  readonly verdicts: Map<string, Verdict>;
  /** Next audit log number. */
  readonly nextSeq: number;
  /** Next update key number, and how many updates are past the snapshot. */
  readonly nextUpdate: number;
  readonly updatesSinceSnapshot: number;
}

/** A store write in a batch. */
export type Entry = readonly [key: string, value: unknown];

const pad = (n: number): string => String(n).padStart(12, '0');
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The tree a fresh relay starts with: a root holding the two rooms of the old flat list (their names and voice ids carried over). */
export function seedRooms(legacy: readonly StoredRoom[] | undefined, serverName: string): RoomRecord[] {
  const old = legacy && legacy.length > 0 ? legacy : [
    { id: 'lobby', name: 'Lobby', voiceId: 1, description: '', userLimit: 0 },
    { id: 'quiet', name: 'Quiet room', voiceId: 2, description: '', userLimit: 0 },
  ];
  const children: RoomRecord[] = old.map((r, position) => ({ id: r.id, name: r.name, parent: ROOT_ID, position, description: r.description, userLimit: r.userLimit, voiceId: r.voiceId }));
  const rootVoice = Math.max(0, ...children.map((r) => r.voiceId)) + 1;
  return [{ id: ROOT_ID, name: serverName.trim().slice(0, 64) || 'Parley', parent: '', position: 0, description: '', userLimit: 0, voiceId: rootVoice }, ...children];
}

/** Loads the tree (seeding it on first start) and the op bookkeeping. */
export async function loadTree(store: Store, serverName: string): Promise<LoadedTree> {
  const doc = new Y.Doc();
  let nextUpdate = 0;
  let updatesSinceSnapshot = 0;
  try {
    const [snap] = await store.readRange(SNAPSHOT, { limit: 1 });
    if (snap && snap[0] === SNAPSHOT && isRecord(snap[1]) && typeof snap[1].v2 === 'string') {
      Y.applyUpdateV2(doc, unb64(snap[1].v2));
      nextUpdate = typeof snap[1].upTo === 'number' ? snap[1].upTo : 0;
    }
    for (const [key, value] of await store.readRange(UPDATE_PREFIX)) {
      if (typeof value !== 'string') continue;
      Y.applyUpdate(doc, unb64(value));
      nextUpdate = Math.max(nextUpdate, Number(key.slice(UPDATE_PREFIX.length)) + 1);
      updatesSinceSnapshot++;
    }
  } catch (error) {
    throw RelayError.storage('stored room tree is unreadable', error);
  }
  let rooms = readRooms(doc);
  let seeded = false;
  if (!rooms.has(ROOT_ID)) {
    const seed = seedRooms(store.rooms(), serverName);
    rooms = new Map(seed.map((r) => [r.id, r]));
    writeRooms(doc, rooms, rooms.keys(), 'seed');
    seeded = true;
  }
  const devices = new Map<string, number>();
  for (const [key, value] of await store.readRange(DEVICE_PREFIX)) if (typeof value === 'number') devices.set(key.slice(DEVICE_PREFIX.length), value);
  const verdicts = new Map<string, Verdict>();
  for (const [key, value] of await store.readRange(VERDICT_PREFIX)) {
    if (isRecord(value) && typeof value.reason === 'string' && typeof value.seq === 'number') {
      verdicts.set(key.slice(VERDICT_PREFIX.length), { code: typeof value.code === 'string' ? (value.code as RejectCode) : null, reason: value.reason, seq: value.seq });
    }
  }
  const [last] = await store.readRange(LOG_PREFIX, { reverse: true, limit: 1 });
  const nextSeq = last ? Number(last[0].slice(LOG_PREFIX.length)) + 1 : 1;
  const loaded: LoadedTree = { doc, rooms, devices, verdicts, nextSeq, nextUpdate, updatesSinceSnapshot };
  if (seeded) await store.writeBatch(snapshotEntries(doc, nextUpdate, []), true);
  return loaded;
}

/** Batch entries that replace the updates `upTo` and below with a snapshot of `doc`. */
export function snapshotEntries(doc: Y.Doc, upTo: number, updateKeys: readonly number[]): Entry[] {
  return [[SNAPSHOT, { v2: b64(Y.encodeStateAsUpdateV2(doc)), upTo }], ...updateKeys.map((n): Entry => [UPDATE_PREFIX + pad(n), undefined])];
}

/** The entry of one document update. */
export function updateEntry(n: number, update: Uint8Array): Entry {
  return [UPDATE_PREFIX + pad(n), b64(update)];
}

/** The entries of one verified op: its device seq, its verdict and (if applied) its audit record. */
export function opEntries(deviceHex: string, seq: number, opIdHex: string, verdict: Verdict, audit: AuditRecord | null): Entry[] {
  const out: Entry[] = [
    [DEVICE_PREFIX + deviceHex, seq],
    [VERDICT_PREFIX + opIdHex, verdict],
  ];
  if (audit) out.push([LOG_PREFIX + pad(audit.seq), { at: audit.atMs, body: b64(audit.body), sig: b64(audit.signature) }]);
  return out;
}

/** Audit entries below `beforeSeq` (0 = newest), newest first. */
export async function readAudit(store: Store, beforeSeq: number, limit: number): Promise<AuditRecord[]> {
  const rows = await store.readRange(LOG_PREFIX, { reverse: true, limit, ...(beforeSeq > 0 ? { lt: LOG_PREFIX + pad(beforeSeq) } : {}) });
  const out: AuditRecord[] = [];
  for (const [key, v] of rows) {
    if (isRecord(v) && typeof v.at === 'number' && typeof v.body === 'string' && typeof v.sig === 'string') {
      out.push({ seq: Number(key.slice(LOG_PREFIX.length)), atMs: v.at, body: unb64(v.body), signature: unb64(v.sig) });
    }
  }
  return out;
}
