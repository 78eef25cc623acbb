/**
 * The "parley-file" DataChannel's messages (`FileWire`, docs/PROTOCOL.md
 * "Files", defined by files-core): encode, and decode with limits. Decoding
 * never throws; anything malformed or over a limit is `bad-frame`, and the
 * receiver drops the peer.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileWireSchema } from '../../proto/index.ts';
import type { FileWire } from '../../proto/index.ts';
import { bitfieldBytes } from '../../proto/bitfield.ts';
import { HASH_BLOCK_CHUNKS, MAX_CHUNKS, SHA256_BYTES } from '../../proto/file-manifest.ts';

import { MAX_PIECE_BYTES } from '../../files/index.ts';

/** Largest piece of a chunk in one message (PROTOCOL: at most 64 KiB; the shared core's). */
export { MAX_PIECE_BYTES };
/** Largest FileWire message: a piece plus its header. */
export const MAX_WIRE_BYTES = MAX_PIECE_BYTES + 256;
const FILE_ID_BYTES = 16;

/** A FileWire message as built by callers (protobuf init shape). */
export type FileWireInit = Parameters<typeof create<typeof FileWireSchema>>[1];

/** Encodes one message. */
export function encodeFileWire(msg: FileWireInit): Uint8Array {
  return toBinary(FileWireSchema, create(FileWireSchema, msg));
}

/** Decodes and bounds-checks one message. */
export function decodeFileWire(bytes: Uint8Array): { ok: true; msg: FileWire['msg'] } | { ok: false; code: 'bad-frame' } {
  if (bytes.byteLength > MAX_WIRE_BYTES) return { ok: false, code: 'bad-frame' };
  let wire: FileWire;
  try {
    wire = fromBinary(FileWireSchema, bytes, { readUnknownFields: false });
  } catch {
    return { ok: false, code: 'bad-frame' };
  }
  const m = wire.msg;
  if (m.case === undefined || m.value.fileId.byteLength !== FILE_ID_BYTES) return { ok: false, code: 'bad-frame' };
  const bad =
    (m.case === 'piece' && (m.value.data.byteLength === 0 || m.value.data.byteLength > MAX_PIECE_BYTES)) ||
    ((m.case === 'request' || m.case === 'piece' || m.case === 'reject') && m.value.chunk >= MAX_CHUNKS) ||
    (m.case === 'have' && m.value.bitfield.byteLength > bitfieldBytes(MAX_CHUNKS)) ||
    (m.case === 'hashBlock' && m.value.data.byteLength > HASH_BLOCK_CHUNKS * SHA256_BYTES);
  return bad ? { ok: false, code: 'bad-frame' } : { ok: true, msg: m };
}
