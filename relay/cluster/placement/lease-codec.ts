/**
 * The bytes of a room lease in NATS KV (docs/CLUSTER.md, "Room placement"):
 * key `room.<voice id>` (voice ids live in the shared tree, so they name the
 * same room on every relay and are valid KV key tokens), value the holder's
 * relay id in UTF-8. Anything read back is checked like peer input: a bad key
 * or holder is reported with `CLUSTER_LEASE_BAD` and ignored, never thrown.
 */
import { ErrorCode } from '../../../proto/index.ts';

/** A relay id as options.ts admits it. */
const RELAY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY = /^room\.([1-9][0-9]{0,9})$/;
/** Largest voice id a lease key names (voice ids are uint32 on the wire). */
const MAX_VOICE_ID = 0xffff_ffff;

/** A lease read from NATS that could not be used. */
export interface LeaseProblem {
  readonly ok: false;
  readonly code: ErrorCode.CLUSTER_LEASE_BAD;
  readonly detail: string;
}

/** What a lease decoder answers. */
export type LeaseDecoded<T> = { readonly ok: true; readonly value: T } | LeaseProblem;

const bad = (detail: string): LeaseProblem => ({ ok: false, code: ErrorCode.CLUSTER_LEASE_BAD, detail });

/** The KV key of the lease of the room with `voiceId` (a positive uint32). */
export function leaseKey(voiceId: number): string {
  if (!Number.isSafeInteger(voiceId) || voiceId < 1 || voiceId > MAX_VOICE_ID) throw new RangeError(`voice id ${voiceId}`);
  return `room.${voiceId}`;
}

/** The voice id a lease key names. */
export function parseLeaseKey(key: string): LeaseDecoded<number> {
  const m = KEY.exec(key);
  const id = m ? Number(m[1]) : NaN;
  return m && id <= MAX_VOICE_ID ? { ok: true, value: id } : bad(`lease key ${JSON.stringify(key.slice(0, 40))}`);
}

/** A lease's value: the holder's relay id. */
export function encodeHolder(relayId: string): Uint8Array {
  if (!RELAY_ID.test(relayId)) throw new RangeError('relay id');
  return new TextEncoder().encode(relayId);
}

/** The holder a lease's value names. */
export function decodeHolder(value: Uint8Array): LeaseDecoded<string> {
  if (value.length === 0 || value.length > 32) return bad(`holder of ${value.length} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return bad('holder not UTF-8');
  }
  return RELAY_ID.test(text) ? { ok: true, value: text } : bad('holder not a relay id');
}
