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
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ChatHistorySchema, ChatMessageSchema, ChatRecordSchema, ChatTargetSchema, EnvelopeSchema } from '../../proto/index.ts';

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

/** One ChatHistory Envelope around already encoded ChatMessages (oldest first). */
export function chatHistoryFrame(header: HistoryHeader, messages: readonly Uint8Array[], hasMore: boolean): Uint8Array {
  const body = new BinaryWriter();
  if (header.requestId !== 0) body.tag(HISTORY.requestId!.number, WireType.Varint).uint32(header.requestId);
  if (header.target) body.tag(HISTORY.target!.number, WireType.LengthDelimited).bytes(toBinary(ChatTargetSchema, create(ChatTargetSchema, header.target)));
  for (const m of messages) body.tag(HISTORY.messages!.number, WireType.LengthDelimited).bytes(m);
  if (hasMore) body.tag(HISTORY.hasMore!.number, WireType.Varint).bool(true);
  return new BinaryWriter().tag(ENVELOPE_HISTORY, WireType.LengthDelimited).bytes(body.finish()).finish();
}
