/**
 * Encoded control frames for what grows with the organisation: the roster
 * (PresencePage), the chat summary (ChatSummary) and document sync messages
 * (CrdtSync chunks). Each list is cut into pages of at most `pageBytes` of
 * items (proto/paging.ts), so no frame the relay sends grows with the number
 * of people, rooms or conversations; docs/PROTOCOL.md "Paging" has the rules.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ChatHeadSchema, encodeEnvelope, pageBySize, repeatedFieldBytes, splitSync, UserSchema } from '../../proto/index.ts';
import type { Member } from '../presence/presence.ts';

/** A chat head as the chat service builds it. */
export type ChatHeadInit = MessageInitShape<typeof ChatHeadSchema>;

/**
 * Bytes a CrdtSync frame needs besides its data: the Envelope and CrdtSync
 * tags and lengths, the document name (at most 16 bytes), epoch, part and
 * parts (varints of at most 5 bytes each).
 */
const SYNC_FRAME_OVERHEAD = 64;

/** Envelope field 23 (presence_page), length-delimited: `(23 << 3) | 2` as a varint. */
const PRESENCE_PAGE_TAG = [0xba, 0x01];
/** PresencePage.users (field 1, length-delimited) and PresencePage.last = true (field 2, varint 1). */
const USERS_TAG = 0x0a;
const LAST_TRUE = [0x10, 0x01];

function writeVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** One member as User bytes. */
export function encodeMember(m: Member): Uint8Array {
  return toBinary(UserSchema, create(UserSchema, m));
}

/**
 * The roster as PresencePage frames, in join order; the last one has `last`
 * set. Every sign-in sends the whole roster, so each user is encoded once and
 * the pages are framed by hand around those bytes (the same wire bytes
 * `encodeEnvelope` would write; the codec test decodes them). `encodeUser`
 * lets the roster reuse the bytes of members that did not change.
 */
export function presencePageFrames(members: readonly Member[], pageBytes: number, encodeUser: (m: Member) => Uint8Array = encodeMember): Uint8Array[] {
  const encoded = members.map(encodeUser);
  const pages = pageBySize(encoded, (u) => repeatedFieldBytes(u.byteLength), pageBytes);
  return pages.map((page, i) => {
    const body: number[] = [];
    let bytes = 0;
    for (const u of page) bytes += repeatedFieldBytes(u.byteLength);
    const last = i === pages.length - 1;
    const head: number[] = [...PRESENCE_PAGE_TAG];
    writeVarint(head, bytes + (last ? LAST_TRUE.length : 0));
    const frame = new Uint8Array(head.length + bytes + (last ? LAST_TRUE.length : 0));
    frame.set(head, 0);
    let at = head.length;
    for (const u of page) {
      body.length = 0;
      body.push(USERS_TAG);
      writeVarint(body, u.byteLength);
      frame.set(body, at);
      at += body.length;
      frame.set(u, at);
      at += u.byteLength;
    }
    if (last) frame.set(LAST_TRUE, at);
    return frame;
  });
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
