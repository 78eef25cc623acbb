/**
 * The fallback path as a FrameLink: when no direct connection works, chunk
 * requests become `FileRelayWant` to the relay and its `FileRelayPiece`s come
 * back as FileWire pieces, so the transfer engine treats the relay as one
 * more (slow, counted) peer. The relay carries chunks only, not hash blocks,
 * so a hash-block request is answered locally with a reject.
 */
import { ErrorCode } from '../../proto/index.ts';
import type { EnvelopeInit, FileRelayPiece } from '../../proto/index.ts';
import type { FrameLink } from './frame-link.ts';
import { decodeFileWire, encodeFileWire } from './file-wire.ts';

/** A relay-carried link for one file. */
export interface RelayLink extends FrameLink {
  /** A piece the relay sent us. */
  deliver(piece: FileRelayPiece): void;
  /** The relay refused chunk `chunk` (fallback off, over budget): it comes back as a reject. */
  refused(chunk: number, code: ErrorCode): void;
}

/** A relay link for `fileId`, sending through `send`. */
export function relayLink(fileId: Uint8Array, send: (msg: EnvelopeInit) => boolean): RelayLink {
  let open = true;
  const reply = (bytes: Uint8Array): void => queueMicrotask(() => link.onFrame?.(bytes));
  const link: RelayLink = {
    path: 'relay',
    onFrame: null,
    onClose: null,
    async send(frame) {
      if (!open) throw new Error('relay link closed');
      const d = decodeFileWire(frame);
      if (!d.ok) return;
      if (d.msg.case === 'request') {
        if (!send({ case: 'fileRelayWant', value: { fileId, chunk: d.msg.value.chunk } })) link.refused(d.msg.value.chunk, ErrorCode.FILE_PEER_GONE);
      } else if (d.msg.case === 'hashRequest') {
        reply(encodeFileWire({ msg: { case: 'reject', value: { fileId, chunk: 0, code: ErrorCode.FILE_FALLBACK_OFF } } }));
      }
    },
    deliver(piece) {
      if (open) link.onFrame?.(encodeFileWire({ msg: { case: 'piece', value: { fileId, chunk: piece.chunk, offset: piece.offset, data: piece.data } } }));
    },
    refused(chunk, code) {
      if (open) reply(encodeFileWire({ msg: { case: 'reject', value: { fileId, chunk, code } } }));
    },
    close() {
      if (!open) return;
      open = false;
      link.onClose?.();
    },
  };
  return link;
}
