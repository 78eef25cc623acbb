/**
 * The y-protocols sync step, for read-only replicas. Transport-free: the
 * caller wraps the bytes in a `CrdtSync { doc, data }` envelope.
 *
 * The relay answers a client's SyncStep1 with SyncStep2 and pushes Update
 * messages as it writes; it never applies what a client sends (clients are
 * read-only replicas, so a SyncStep2 or Update from one is ignored: the
 * y-protocols "read-only users" rule). Clients apply SyncStep2 and Update
 * with the given origin, so their own update listeners can tell them apart.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/** y-protocols message types. */
export const SYNC_STEP1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;

/** A SyncStep1 carrying `doc`'s state vector. */
export function encodeStep1(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  syncProtocol.writeSyncStep1(e, doc);
  return encoding.toUint8Array(e);
}

/** A SyncStep2 carrying the whole of `doc` (what a replica starting from nothing needs). */
export function encodeFullStep2(doc: Y.Doc): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, SYNC_STEP2);
  encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc));
  return encoding.toUint8Array(e);
}

/** An Update message carrying one Yjs (v1) update. */
export function encodeUpdate(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
}

/** What the relay makes of a client's sync message. */
export type ServerSyncResult =
  | { readonly kind: 'reply'; readonly data: Uint8Array }
  | { readonly kind: 'ignored'; readonly reason: 'read-only' }
  | { readonly kind: 'malformed' };

/**
 * Relay side: answers a SyncStep1 with the SyncStep2 the client lacks;
 * ignores writes. Never throws.
 */
export function serverHandleSync(doc: Y.Doc, data: Uint8Array): ServerSyncResult {
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    if (type !== SYNC_STEP1) return type === SYNC_STEP2 || type === SYNC_UPDATE ? { kind: 'ignored', reason: 'read-only' } : { kind: 'malformed' };
    const sv = decoding.readVarUint8Array(d);
    // Validate the state vector before encoding against it.
    Y.decodeStateVector(sv);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, SYNC_STEP2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(doc, sv));
    return { kind: 'reply', data: encoding.toUint8Array(e) };
  } catch {
    return { kind: 'malformed' };
  }
}

/**
 * Client side: applies a SyncStep2 or Update from the relay. Returns the
 * message type handled (SYNC_STEP2 tells the caller the replica has caught
 * up), or null for bytes it could not use. Never throws.
 */
export function clientHandleSync(doc: Y.Doc, data: Uint8Array, origin: unknown): number | null {
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    if (type !== SYNC_STEP2 && type !== SYNC_UPDATE) return null;
    Y.applyUpdate(doc, decoding.readVarUint8Array(d), origin);
    return type;
  } catch {
    return null;
  }
}
