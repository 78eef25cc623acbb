/**
 * Encoded control frames for what grows with the organisation: the roster
 * (PresencePage), the chat summary (ChatSummary) and document sync messages
 * (CrdtSync chunks). Each list is cut into pages of at most `pageBytes` of
 * items (proto/paging.ts), so no frame the relay sends grows with the number
 * of people, rooms or conversations; docs/PROTOCOL.md "Paging" has the rules.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ChatHeadSchema, encodeEnvelope, pageBySize, repeatedFieldBytes, splitSync, UserSchema } from '../proto/index.ts';
import type { Member } from './presence.ts';

/** A chat head as the chat service builds it. */
export type ChatHeadInit = MessageInitShape<typeof ChatHeadSchema>;

/**
 * Bytes a CrdtSync frame needs besides its data: the Envelope and CrdtSync
 * tags and lengths, the document name (at most 16 bytes), epoch, part and
 * parts (varints of at most 5 bytes each).
 */
const SYNC_FRAME_OVERHEAD = 64;

/** The roster as PresencePage frames, in join order; the last one has `last` set. */
export function presencePageFrames(members: readonly Member[], pageBytes: number): Uint8Array[] {
  const pages = pageBySize(members, (m) => repeatedFieldBytes(toBinary(UserSchema, create(UserSchema, m)).byteLength), pageBytes);
  return pages.map((page, i) => encodeEnvelope({ case: 'presencePage', value: { users: page, last: i === pages.length - 1 } }));
}

/** The chat summary as ChatSummary frames; the last one has `last` set. */
export function chatSummaryFrames(heads: readonly ChatHeadInit[], pageBytes: number): Uint8Array[] {
  const pages = pageBySize(heads, (h) => repeatedFieldBytes(toBinary(ChatHeadSchema, create(ChatHeadSchema, h)).byteLength), pageBytes);
  return pages.map((page, i) => encodeEnvelope({ case: 'chatSummary', value: { heads: page, last: i === pages.length - 1 } }));
}

/** One sync message of `doc` as CrdtSync frames of at most `pageBytes` of data plus the frame's own fields. */
export function crdtSyncFrames(doc: string, data: Uint8Array, epoch: number, pageBytes: number): Uint8Array[] {
  return splitSync(data, Math.max(1, pageBytes - SYNC_FRAME_OVERHEAD)).map((c) =>
    encodeEnvelope({ case: 'crdtSync', value: { doc, data: c.data, epoch, part: c.part, parts: c.parts } }),
  );
}
