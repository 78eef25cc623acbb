/**
 * The fallback path as a FrameLink: when no direct connection works, chunk
 * and hash-block requests become `FileRelayWant` to the relay and its
 * `FileRelayPiece`s come back as FileWire pieces (a hash block is collected
 * whole, then handed on as one `hashBlock` frame), so the transfer engine
 * treats the relay as one more (slow, counted) peer. A downloader that never
 * had a direct connection learns the chunk hashes this way too.
 */
import { chunkLength, ErrorCode, hashBlockRange, SHA256_BYTES } from '../../proto/index.ts';
import type { EnvelopeInit, FileRelayPiece, FileRelayWant } from '../../proto/index.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import type { FrameLink } from './frame-link.ts';
import { decodeFileWire, encodeFileWire } from './file-wire.ts';

/** A relay-carried link for one file. */
export interface RelayLink extends FrameLink {
  /** A piece the relay sent us. */
  deliver(piece: FileRelayPiece): void;
  /**
   * The relay refused chunk `chunk`. Fallback off: it comes back as a
   * reject. Anything else (over its budget, the holder it asked left): it is
   * asked again when another chunk in flight lands, or rejected when none is.
   */
  refused(chunk: number, code: ErrorCode): void;
}

/** A relay link for the file of `manifest`, sending through `send`. */
export function relayLink(manifest: Pick<FileManifestFields, 'fileId' | 'size' | 'chunkSize'>, send: (msg: EnvelopeInit) => boolean): RelayLink {
  const fileId = manifest.fileId;
  let open = true;
  /** Chunks asked of the relay -> bytes still to come; refused ones waiting to be asked again. */
  const asked = new Map<number, number>();
  const retry: number[] = [];
  const want = (chunk: number): boolean => {
    asked.set(chunk, chunkLength(manifest.size, manifest.chunkSize, chunk));
    return send({ case: 'fileRelayWant', value: { fileId, chunk } });
  };
  /** Hash blocks being collected: block -> bytes so far. */
  const blocks = new Map<number, { readonly data: Uint8Array; got: number }>();
  const reply = (bytes: Uint8Array): void => queueMicrotask(() => link.onFrame?.(bytes));
  const reject = (chunk: number, code: ErrorCode): void => {
    asked.delete(chunk);
    reply(encodeFileWire({ msg: { case: 'reject', value: { fileId, chunk, code } } }));
  };
  const collectBlock = (piece: FileRelayPiece): void => {
    const b = blocks.get(piece.chunk);
    // Unasked, or past the block's end: ignored (the relay does not check; the manifest will).
    if (!b || piece.offset !== b.got || b.got + piece.data.byteLength > b.data.byteLength) return;
    b.data.set(piece.data, b.got);
    b.got += piece.data.byteLength;
    if (b.got < b.data.byteLength) return;
    blocks.delete(piece.chunk);
    link.onFrame?.(encodeFileWire({ msg: { case: 'hashBlock', value: { fileId, block: piece.chunk, data: b.data } } }));
  };
  const link: RelayLink = {
    path: 'relay',
    onFrame: null,
    onClose: null,
    async send(frame) {
      if (!open) throw new Error('relay link closed');
      const d = decodeFileWire(frame);
      if (!d.ok) return;
      if (d.msg.case === 'request') {
        if (!want(d.msg.value.chunk)) reject(d.msg.value.chunk, ErrorCode.FILE_PEER_GONE);
      } else if (d.msg.case === 'hashRequest') {
        const block = d.msg.value.block;
        const { first, end } = hashBlockRange(manifest, block);
        blocks.set(block, { data: new Uint8Array((end - first) * SHA256_BYTES), got: 0 });
        if (!send({ case: 'fileRelayWant', value: { fileId, chunk: block, hashBlock: true } })) {
          blocks.delete(block);
          reply(encodeFileWire({ msg: { case: 'reject', value: { fileId, chunk: 0, code: ErrorCode.FILE_PEER_GONE } } }));
        }
      }
    },
    deliver(piece) {
      if (!open) return;
      if (piece.hashBlock) return collectBlock(piece);
      const left = asked.get(piece.chunk);
      if (left !== undefined && left - piece.data.byteLength <= 0) {
        asked.delete(piece.chunk);
        // A carried chunk landed: room at the relay for one that was refused.
        const again = retry.shift();
        if (again !== undefined && !want(again)) reject(again, ErrorCode.FILE_PEER_GONE);
      } else if (left !== undefined) asked.set(piece.chunk, left - piece.data.byteLength);
      link.onFrame?.(encodeFileWire({ msg: { case: 'piece', value: { fileId, chunk: piece.chunk, offset: piece.offset, data: piece.data } } }));
    },
    refused(chunk, code) {
      if (!open) return;
      if (!asked.delete(chunk)) {
        // Not a chunk want: a hash block the relay could not carry.
        if (blocks.delete(chunk)) reply(encodeFileWire({ msg: { case: 'reject', value: { fileId, chunk: 0, code } } }));
        return;
      }
      if (code !== ErrorCode.FILE_FALLBACK_OFF && asked.size > 0) return void retry.push(chunk);
      reject(chunk, code);
      // Nothing left in flight to wait for: the queued ones are refused too (the transfer says it waits).
      for (const c of retry.splice(0)) reject(c, code);
    },
    close() {
      if (!open) return;
      open = false;
      blocks.clear();
      asked.clear();
      retry.length = 0;
      link.onClose?.();
    },
  };
  return link;
}

/** Largest piece a holder sends the relay (PROTOCOL: at most 32 KiB). */
export const RELAY_PIECE_BYTES = 32 * 1024;

/** What a holder needs to answer the relay. */
export interface RelayServeSource {
  /** Chunk `index` if held and served, else null. */
  chunk(index: number): Promise<Uint8Array | null>;
  /** Hash block `block` if known, else null. */
  hashBlock(block: number): Uint8Array | null;
}

/** Answers the relay's `FileRelayWant` (a chunk or a hash block to carry) in pieces of at most 32 KiB; nothing when not held. */
export async function serveRelayWant(w: FileRelayWant, source: RelayServeSource, send: (msg: EnvelopeInit) => boolean): Promise<void> {
  const bytes = w.hashBlock ? source.hashBlock(w.chunk) : await source.chunk(w.chunk);
  if (!bytes) return;
  for (let offset = 0; offset < bytes.byteLength; offset += RELAY_PIECE_BYTES) {
    send({ case: 'fileRelayPiece', value: { fileId: w.fileId, chunk: w.chunk, offset, hashBlock: w.hashBlock, data: bytes.subarray(offset, offset + RELAY_PIECE_BYTES) } });
  }
}
