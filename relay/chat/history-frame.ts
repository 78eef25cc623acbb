/**
 * ChatHistory pages from the stored bytes. A history page used to decode
 * every ChatRecord read from LevelDB (a 5,000-emoji text becomes a JS
 * string), encode its message once to measure the page and again into the
 * frame: ~100 pages of 40 KB before a slow reader's kernel buffers filled
 * made ~20 MB of garbage (docs/BENCHMARKS.md "Slow reader"). Here the
 * message's bytes are cut out of the record as they are, only the server
 * time is read from them, and the frame is written around them: the same
 * wire bytes `encodeEnvelope` would write (test/relay/chat/history-frame.test.ts).
 */
import { create, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { ChatHistorySchema, ChatMessageSchema, ChatRecordSchema, ChatTargetSchema, EnvelopeSchema, repeatedFieldBytes, varintBytes } from '../../proto/index.ts';

/** A stored message as bytes, and the one field a page needs to read. */
export interface StoredMessage {
  /** ChatMessage bytes, a view into the record (no copy). */
  readonly bytes: Uint8Array;
  readonly serverTimeMs: number;
}

// Field numbers from the schema, so a renumbering in parley.proto cannot leave these behind.
const RECORD_MESSAGE = ChatRecordSchema.field.message!.number;
const MESSAGE_TIME = ChatMessageSchema.field.serverTimeMs!.number;
const ENVELOPE_HISTORY = EnvelopeSchema.field.chatHistory!.number;
const HISTORY = ChatHistorySchema.field;

/**
 * The ChatMessage inside stored ChatRecord bytes, without decoding it;
 * undefined if the record has none or is not valid protobuf.
 */
export function storedMessage(record: Uint8Array): StoredMessage | undefined {
  try {
    let bytes: Uint8Array | undefined;
    const reader = new BinaryReader(record);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === RECORD_MESSAGE && wireType === WireType.LengthDelimited) bytes = reader.bytes();
      else reader.skip(wireType, field);
    }
    if (!bytes) return undefined;
    let serverTimeMs = 0;
    const inner = new BinaryReader(bytes);
    while (inner.pos < inner.len) {
      const [field, wireType] = inner.tag();
      if (field === MESSAGE_TIME && wireType === WireType.Varint) serverTimeMs = Number(inner.uint64());
      else inner.skip(wireType, field);
    }
    return { bytes, serverTimeMs };
  } catch {
    return undefined;
  }
}

/** The fields of a ChatHistory answer other than its messages. */
export interface HistoryHeader {
  readonly requestId: number;
  readonly target?: MessageInitShape<typeof ChatTargetSchema> | undefined;
}

/**
 * One ChatHistory Envelope around already encoded ChatMessages (oldest
 * first), written into one buffer of its exact size. protobuf's BinaryWriter
 * grows its buffer by doubling and copies the body again into the envelope:
 * ~240 KB of short-lived buffers for a 60 KB page, which is what a slow
 * reader's first pages left for the GC (docs/BENCHMARKS.md "Slow reader").
 */
export function chatHistoryFrame(header: HistoryHeader, messages: readonly Uint8Array[], hasMore: boolean): Uint8Array {
  const target = header.target ? toBinary(ChatTargetSchema, create(ChatTargetSchema, header.target)) : undefined;
  let bodyBytes = 0;
  if (header.requestId !== 0) bodyBytes += varintBytes(tagOf(HISTORY.requestId!.number, WireType.Varint)) + varintBytes(header.requestId);
  if (target) bodyBytes += repeatedFieldBytes(target.byteLength, HISTORY.target!.number);
  for (const m of messages) bodyBytes += repeatedFieldBytes(m.byteLength, HISTORY.messages!.number);
  if (hasMore) bodyBytes += varintBytes(tagOf(HISTORY.hasMore!.number, WireType.Varint)) + 1;
  const out = new Uint8Array(repeatedFieldBytes(bodyBytes, ENVELOPE_HISTORY));
  let pos = writeVarint(out, 0, tagOf(ENVELOPE_HISTORY, WireType.LengthDelimited));
  pos = writeVarint(out, pos, bodyBytes);
  if (header.requestId !== 0) pos = writeVarint(out, writeVarint(out, pos, tagOf(HISTORY.requestId!.number, WireType.Varint)), header.requestId);
  if (target) pos = writeField(out, pos, HISTORY.target!.number, target);
  for (const m of messages) pos = writeField(out, pos, HISTORY.messages!.number, m);
  if (hasMore) out[writeVarint(out, pos, tagOf(HISTORY.hasMore!.number, WireType.Varint))] = 1;
  return out;
}

function tagOf(field: number, wireType: WireType): number {
  return field * 8 + wireType;
}

/** Writes `n` (a non-negative integer below 2^53) as a varint at `pos`; returns the position after it. */
function writeVarint(out: Uint8Array, pos: number, n: number): number {
  let v = n;
  while (v >= 0x80) {
    out[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[pos++] = v;
  return pos;
}

/** Writes one length-delimited field at `pos`; returns the position after it. */
function writeField(out: Uint8Array, pos: number, field: number, bytes: Uint8Array): number {
  const at = writeVarint(out, writeVarint(out, pos, tagOf(field, WireType.LengthDelimited)), bytes.byteLength);
  out.set(bytes, at);
  return at + bytes.byteLength;
}
