/**
 * One home for frame sizes (proto/frame-limits.ts): every relay→client frame
 * built from bounded inputs at their maximum fits what the client accepts
 * (MAX_CONTROL_FRAME_BYTES, the same constant `decodeEnvelope` enforces), and
 * the PageBudget pager never loses, reorders or overfills (property tests).
 *
 * A new paged or growing frame kind belongs here: build it at its maximum
 * and assert it fits.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_OP_BODY_BYTES } from '../../crdt/index.ts';
import {
  MAX_FILE_MANIFEST_BYTES,
  AuditEntrySchema,
  ChatAction,
  ChatMessageSchema,
  CHAT_ID_BYTES,
  decodeEnvelope,
  encodeEnvelope,
  ErrorCode,
  MAX_CHAT_CHARS,
  MAX_CHAT_ROOM_ID_BYTES,
  MAX_CONTROL_FRAME_BYTES,
  PAGE_ITEMS_BUDGET_BYTES,
  PageBudget,
  repeatedFieldBytes,
  varintBytes,
} from '../../proto/index.ts';
import type { AuditEntry, ChatMessage } from '../../proto/index.ts';
import { MAX_HISTORY_PAGE } from '../../relay/tree/index.ts';
import { DEFAULT_CHAT_LIMITS } from '../../relay/chat/chat-limits.ts';
import { MAX_DISPLAY_NAME_CHARS } from '../../relay/presence/display-name.ts';

const MAX_U64 = 0xffff_ffff_ffff_ffffn;
/** The most UTF-8 a legal chat text can be: MAX_CHAT_CHARS code points of 4 bytes. */
const LONGEST_TEXT = '😀'.repeat(MAX_CHAT_CHARS);
const LONGEST_ROOM_ID = 'r'.repeat(MAX_CHAT_ROOM_ID_BYTES);
const target = { to: { case: 'roomId' as const, value: LONGEST_ROOM_ID } };

function longestItem(action: ChatAction, text: string) {
  return { action, id: new Uint8Array(CHAT_ID_BYTES), authorKey: new Uint8Array(32), target, clientTimeMs: MAX_U64, refId: new Uint8Array(CHAT_ID_BYTES), text, signature: new Uint8Array(64) };
}

/** The largest ChatMessage the relay can store: a post and an edit of the longest text, plus a deletion record. */
function largestChatMessage(): ChatMessage {
  return create(ChatMessageSchema, {
    seq: MAX_U64,
    serverTimeMs: MAX_U64,
    changedTimeMs: MAX_U64,
    authorName: '😀'.repeat(MAX_DISPLAY_NAME_CHARS),
    // A post may share a file: the largest manifest rides along.
    post: { ...longestItem(ChatAction.POST, LONGEST_TEXT), file: { body: new Uint8Array(MAX_FILE_MANIFEST_BYTES), signature: new Uint8Array(64) } },
    edit: longestItem(ChatAction.EDIT, LONGEST_TEXT),
    deletion: longestItem(ChatAction.DELETE, ''),
  });
}

function largestAuditEntry(): AuditEntry {
  return create(AuditEntrySchema, { serverSeq: MAX_U64, appliedAtMs: MAX_U64, op: { body: new Uint8Array(MAX_OP_BODY_BYTES), signature: new Uint8Array(64) } });
}

/** Fills one page the way the relay does: as many items as the count limit and the byte budget allow. */
function fillPage<T>(item: T, size: (t: T) => number, countLimit: number, field: number): T[] {
  const budget = new PageBudget();
  const page: T[] = [];
  while (page.length < countLimit && budget.take(size(item), field)) page.push(item);
  return page;
}

describe('frame limits: every relay→client frame fits what the client accepts', () => {
  it('a single largest chat message fits a page budget on its own (the pager always takes the first item)', () => {
    expect(repeatedFieldBytes(toBinary(ChatMessageSchema, largestChatMessage()).byteLength, 3)).toBeLessThanOrEqual(PAGE_ITEMS_BUDGET_BYTES);
  });

  it('chatEvent with the largest message fits', () => {
    const frame = encodeEnvelope({ case: 'chatEvent', value: { message: largestChatMessage() } });
    expect(frame.byteLength).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
    expect(decodeEnvelope(frame).ok).toBe(true);
  });

  it('a full chatHistory page of the largest messages (as many as the budget lets in) fits', () => {
    const message = largestChatMessage();
    const messages = fillPage(message, (m) => toBinary(ChatMessageSchema, m).byteLength, DEFAULT_CHAT_LIMITS.maxPage, 3);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    const frame = encodeEnvelope({ case: 'chatHistory', value: { requestId: 0xffff_ffff, target, messages, hasMore: true, code: ErrorCode.SLOW_DOWN } });
    expect(frame.byteLength).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
    expect(decodeEnvelope(frame).ok).toBe(true);
  });

  it('a full opHistory page of the largest ops fits', () => {
    const entries = fillPage(largestAuditEntry(), (e) => toBinary(AuditEntrySchema, e).byteLength, MAX_HISTORY_PAGE, 1);
    // The count limit alone would not do: 200 ops of 2 KB are ~430 KB.
    expect(entries.length).toBeLessThan(MAX_HISTORY_PAGE);
    const frame = encodeEnvelope({ case: 'opHistory', value: { entries, more: true, code: ErrorCode.SLOW_DOWN } });
    expect(frame.byteLength).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
  });
});

describe('PageBudget (property)', () => {
  it('varintBytes matches the protobuf encoding of a length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (n) => {
        let bytes = 1;
        for (let v = n; v >= 128; v >>>= 7) bytes++;
        expect(varintBytes(n)).toBe(bytes);
      }),
    );
  });

  it('pages of random messages: each frame fits, nothing is lost or reordered, and a page is only cut when the next item would not fit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: MAX_CHAT_CHARS }), { minLength: 1, maxLength: 60 }), (lengths) => {
        const all = lengths.map((n, i) => create(ChatMessageSchema, { seq: BigInt(i + 1), post: longestItem(ChatAction.POST, '😀'.repeat(n)) }));
        const got: ChatMessage[] = [];
        let rest = all;
        while (rest.length > 0) {
          const budget = new PageBudget();
          const page: ChatMessage[] = [];
          for (const m of rest) {
            if (!budget.take(toBinary(ChatMessageSchema, m).byteLength, 3)) break;
            page.push(m);
          }
          expect(page.length).toBeGreaterThan(0);
          const frame = encodeEnvelope({ case: 'chatHistory', value: { requestId: 1, target, messages: page, hasMore: true } });
          expect(frame.byteLength).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
          const next = rest[page.length];
          if (next) expect(budget.used + repeatedFieldBytes(toBinary(ChatMessageSchema, next).byteLength, 3)).toBeGreaterThan(PAGE_ITEMS_BUDGET_BYTES);
          got.push(...page);
          rest = rest.slice(page.length);
        }
        expect(got.map((m) => m.seq)).toEqual(all.map((m) => m.seq));
      }),
      { numRuns: 50 },
    );
  });

  it('repeatedFieldBytes is the exact encoded size of one repeated element', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), (n) => {
        const one = toBinary(AuditEntrySchema, create(AuditEntrySchema, { op: { body: new Uint8Array(n) } }));
        const history = encodeEnvelope({ case: 'opHistory', value: { entries: [create(AuditEntrySchema, { op: { body: new Uint8Array(n) } })] } });
        const empty = encodeEnvelope({ case: 'opHistory', value: { entries: [] } });
        // The envelope's own length prefix may grow by a byte or two as well.
        const delta = history.byteLength - empty.byteLength;
        expect(delta - repeatedFieldBytes(one.byteLength, 1)).toBeGreaterThanOrEqual(0);
        expect(delta - repeatedFieldBytes(one.byteLength, 1)).toBeLessThanOrEqual(2);
      }),
      { numRuns: 100 },
    );
  });
});
