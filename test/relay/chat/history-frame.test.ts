import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ChatMessageSchema, ChatRecordSchema, decodeEnvelope, encodeEnvelope } from '../../../proto/index.ts';
import { chatHistoryFrame, storedMessage } from '../../../relay/chat/history-frame.ts';

const item = fc.record({
  action: fc.integer({ min: 0, max: 3 }),
  id: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  authorKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  target: fc.oneof(
    fc.record({ to: fc.record({ case: fc.constant('roomId' as const), value: fc.string({ maxLength: 40 }) }) }),
    fc.record({ to: fc.record({ case: fc.constant('peerKey' as const), value: fc.uint8Array({ minLength: 32, maxLength: 32 }) }) }),
  ),
  clientTimeMs: fc.bigInt({ min: 0n, max: 2n ** 53n }),
  text: fc.string({ unit: 'grapheme', maxLength: 300 }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});

const message = fc.record({
  seq: fc.bigInt({ min: 0n, max: 2n ** 53n }),
  serverTimeMs: fc.bigInt({ min: 0n, max: 2n ** 53n }),
  authorName: fc.string({ maxLength: 32 }),
  post: item,
  edit: fc.option(item, { nil: undefined }),
  changedTimeMs: fc.bigInt({ min: 0n, max: 2n ** 53n }),
});

const recordBytes = (m: unknown, opIds: Uint8Array[]): Uint8Array =>
  toBinary(ChatRecordSchema, create(ChatRecordSchema, { message: m as never, opIds }));

describe('history frames from stored bytes', () => {
  it('cuts the message out of a stored record unchanged, with its server time (round trip)', () => {
    fc.assert(
      fc.property(message, fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 4 }), (m, opIds) => {
        const bytes = recordBytes(m, opIds);
        const got = storedMessage(bytes)!;
        const decoded = fromBinary(ChatRecordSchema, bytes).message!;
        expect(got.bytes).toEqual(toBinary(ChatMessageSchema, decoded));
        expect(got.serverTimeMs).toBe(Number(m.serverTimeMs));
      }),
    );
  });

  it('writes the same bytes encodeEnvelope writes for the decoded page', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 5 }), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), (ms, requestId, hasMore, roomId) => {
        const stored = ms.map((m) => storedMessage(recordBytes(m, []))!.bytes);
        const target = roomId === undefined ? undefined : { to: { case: 'roomId' as const, value: roomId } };
        const frame = chatHistoryFrame({ requestId, target }, stored, hasMore);
        const messages = stored.map((b) => fromBinary(ChatMessageSchema, b));
        expect(frame).toEqual(encodeEnvelope({ case: 'chatHistory', value: { requestId, target, messages, hasMore } }));
        const back = decodeEnvelope(frame);
        expect(back.ok && back.value.msg.case === 'chatHistory' && back.value.msg.value.messages.length).toBe(ms.length);
      }),
    );
  });

  it('never throws on truncated records or garbage, and reads no message from garbage that has none', () => {
    fc.assert(
      fc.property(message, fc.nat(), (m, cut) => {
        const bytes = recordBytes(m, []);
        const truncated = bytes.subarray(0, cut % bytes.byteLength);
        expect(() => storedMessage(truncated)).not.toThrow();
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => void expect(() => storedMessage(garbage)).not.toThrow()));
    expect(storedMessage(new Uint8Array(0))).toBeUndefined();
    expect(storedMessage(toBinary(ChatRecordSchema, create(ChatRecordSchema, { opIds: [new Uint8Array(16)] })))).toBeUndefined();
  });
});
