/**
 * Binary layouts of the op bookkeeping a batch writes: one audit record
 * holding every op the batch applied, and one verdict record holding every
 * verdict it reached. One record per batch instead of two JSON records per
 * op: LevelDB's per-record cost (encoding, the batch entry, JSON and base64)
 * was the largest item on the relay's op path.
 *
 * Both decoders read bytes from disk, so they never throw: a damaged record
 * decodes to null and the caller skips it.
 *
 *   audit batch:   u8 version=1, u32 count, then per op:
 *                  f64 seq, f64 atMs, u32 body length, body, u8 sig length, sig
 *   verdict batch: u8 version=1, f64 atMs (when written), u32 count, then per verdict:
 *                  u8 op id length, op id, f64 seq, u8 code length, code (ASCII),
 *                  u16 reason length, reason (UTF-8)
 *
 * Integers are big-endian; seq and times are float64 holding safe integers.
 */
import { REJECT_CODES } from '../../crdt/index.ts';
import type { RejectCode } from '../../crdt/index.ts';

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

/** A verdict with the raw op id it belongs to. */
export interface VerdictRecord {
  readonly opId: Uint8Array;
  readonly verdict: Verdict;
}

/** A decoded verdict batch: when it was written, and its verdicts. */
export interface VerdictBatch {
  readonly atMs: number;
  readonly records: VerdictRecord[];
}

const VERSION = 1;
const HEADER = 5;
const VERDICT_HEADER = 13;
const MAX_COUNT = 1_000_000;
const MAX_REASON_BYTES = 0xffff;
const text = new TextEncoder();
const untext = new TextDecoder('utf-8', { fatal: false });
const codes: ReadonlySet<string> = new Set(REJECT_CODES);

/** Packs a batch's applied ops. */
export function encodeAuditBatch(records: readonly AuditRecord[]): Uint8Array {
  let size = HEADER;
  for (const r of records) size += 8 + 8 + 4 + r.body.byteLength + 1 + r.signature.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  view.setUint32(1, records.length);
  let o = HEADER;
  for (const r of records) {
    view.setFloat64(o, r.seq);
    view.setFloat64(o + 8, r.atMs);
    view.setUint32(o + 16, r.body.byteLength);
    out.set(r.body, o + 20);
    o += 20 + r.body.byteLength;
    out[o] = r.signature.byteLength;
    out.set(r.signature, o + 1);
    o += 1 + r.signature.byteLength;
  }
  return out;
}

/** Unpacks an audit batch; null when the bytes are not one. Never throws. */
export function decodeAuditBatch(bytes: Uint8Array): AuditRecord[] | null {
  if (bytes.byteLength < HEADER || bytes[0] !== VERSION) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(1);
  if (count > MAX_COUNT) return null;
  const out: AuditRecord[] = [];
  let o = HEADER;
  for (let i = 0; i < count; i++) {
    if (o + 20 > bytes.byteLength) return null;
    const seq = view.getFloat64(o);
    const atMs = view.getFloat64(o + 8);
    const bodyLength = view.getUint32(o + 16);
    o += 20;
    if (!Number.isSafeInteger(seq) || !Number.isFinite(atMs) || o + bodyLength + 1 > bytes.byteLength) return null;
    const body = bytes.slice(o, o + bodyLength);
    o += bodyLength;
    const sigLength = bytes[o]!;
    o += 1;
    if (o + sigLength > bytes.byteLength) return null;
    out.push({ seq, atMs, body, signature: bytes.slice(o, o + sigLength) });
    o += sigLength;
  }
  return o === bytes.byteLength ? out : null;
}

/** Packs a batch's verdicts, written at `atMs`. Reasons are cut to 65,535 UTF-8 bytes (they are a few words). */
export function encodeVerdictBatch(atMs: number, records: readonly VerdictRecord[]): Uint8Array {
  const parts = records.map((r) => {
    const reason = text.encode(r.verdict.reason);
    return { r, code: text.encode(r.verdict.code ?? ''), reason: reason.byteLength > MAX_REASON_BYTES ? reason.subarray(0, MAX_REASON_BYTES) : reason };
  });
  let size = VERDICT_HEADER;
  for (const p of parts) size += 1 + p.r.opId.byteLength + 8 + 1 + p.code.byteLength + 2 + p.reason.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  view.setFloat64(1, atMs);
  view.setUint32(9, parts.length);
  let o = VERDICT_HEADER;
  for (const p of parts) {
    out[o] = p.r.opId.byteLength;
    out.set(p.r.opId, o + 1);
    o += 1 + p.r.opId.byteLength;
    view.setFloat64(o, p.r.verdict.seq);
    out[o + 8] = p.code.byteLength;
    out.set(p.code, o + 9);
    o += 9 + p.code.byteLength;
    view.setUint16(o, p.reason.byteLength);
    out.set(p.reason, o + 2);
    o += 2 + p.reason.byteLength;
  }
  return out;
}

/** Unpacks a verdict batch; null when the bytes are not one (or name an unknown code). Never throws. */
export function decodeVerdictBatch(bytes: Uint8Array): VerdictBatch | null {
  if (bytes.byteLength < VERDICT_HEADER || bytes[0] !== VERSION) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const atMs = view.getFloat64(1);
  const count = view.getUint32(9);
  if (!Number.isFinite(atMs) || count > MAX_COUNT) return null;
  const out: VerdictRecord[] = [];
  let o = VERDICT_HEADER;
  for (let i = 0; i < count; i++) {
    if (o + 1 > bytes.byteLength) return null;
    const idLength = bytes[o]!;
    if (o + 1 + idLength + 9 > bytes.byteLength) return null;
    const opId = bytes.slice(o + 1, o + 1 + idLength);
    o += 1 + idLength;
    const seq = view.getFloat64(o);
    const codeLength = bytes[o + 8]!;
    o += 9;
    if (!Number.isSafeInteger(seq) || o + codeLength + 2 > bytes.byteLength) return null;
    const codeText = untext.decode(bytes.subarray(o, o + codeLength));
    o += codeLength;
    const reasonLength = view.getUint16(o);
    o += 2;
    if (o + reasonLength > bytes.byteLength) return null;
    const reason = untext.decode(bytes.subarray(o, o + reasonLength));
    o += reasonLength;
    if (codeText !== '' && !codes.has(codeText)) return null;
    out.push({ opId, verdict: { code: codeText === '' ? null : (codeText as RejectCode), reason, seq } });
  }
  return o === bytes.byteLength ? { atMs, records: out } : null;
}
