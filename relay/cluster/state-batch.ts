/**
 * The framing of one state-log message (state-log.ts): a group-commit batch
 * of entries (decision D136). A message is either one entry as it always was
 * (state-codec.ts JSON, first byte `{`), or a batch: the byte 0x00 (never the
 * start of JSON), the version 1, then each entry as a LEB128 length and its
 * bytes. The log itself never looks inside an entry; this only frames them.
 * The decoder validates the whole frame and never throws.
 */
import { decodeFailure } from '../../proto/errors.ts';
import type { Decoded } from '../../proto/errors.ts';

const MARK = 0x00;
const VERSION = 1;
/** More entries than this in one frame is not something a writer makes. */
export const MAX_BATCH_ENTRIES = 100_000;

/** Bytes a frame of `entries` takes (to split batches under NATS max_payload before encoding). */
export function batchFrameBytes(entryBytes: number, entries: number): number {
  return 2 + entryBytes + entries * 5;
}

/** The frame of `entries` (one entry alone is written as itself, readable by relays that predate batches). */
export function encodeStateBatch(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 1) return entries[0]!;
  const lengths = entries.map((e) => leb(e.byteLength));
  const out = new Uint8Array(2 + entries.reduce((n, e, i) => n + lengths[i]!.byteLength + e.byteLength, 0));
  out[0] = MARK;
  out[1] = VERSION;
  let at = 2;
  entries.forEach((e, i) => {
    out.set(lengths[i]!, at);
    at += lengths[i]!.byteLength;
    out.set(e, at);
    at += e.byteLength;
  });
  return out;
}

/** The entries of one state-log message, in order. */
export function decodeStateBatch(data: Uint8Array): Decoded<Uint8Array[]> {
  if (data.byteLength === 0) return decodeFailure('empty', 'empty message');
  if (data[0] !== MARK) return { ok: true, value: [data] };
  if (data.byteLength < 2) return decodeFailure('bad-length', 'batch without version');
  if (data[1] !== VERSION) return decodeFailure('bad-value', `batch version ${data[1]}`);
  const entries: Uint8Array[] = [];
  let at = 2;
  while (at < data.byteLength) {
    let length = 0;
    let shift = 0;
    for (;;) {
      if (at >= data.byteLength) return decodeFailure('bad-length', 'batch entry length');
      const b = data[at++]!;
      length += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) return decodeFailure('bad-value', 'batch entry length too long');
    }
    if (length === 0) return decodeFailure('bad-value', 'empty batch entry');
    if (at + length > data.byteLength) return decodeFailure('bad-length', 'batch entry');
    if (entries.length === MAX_BATCH_ENTRIES) return decodeFailure('too-large', `over ${MAX_BATCH_ENTRIES} entries`);
    entries.push(data.subarray(at, at + length));
    at += length;
  }
  if (entries.length === 0) return decodeFailure('bad-value', 'batch without entries');
  return { ok: true, value: entries };
}

function leb(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Uint8Array.from(out);
}
