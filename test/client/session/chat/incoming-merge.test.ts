/**
 * The incoming chat merges on their own: live events (mentions, read marks
 * of own posts, edits, direct-message peer names), history pages (hasMore,
 * loaded, lastSeq) and the sign-in summary (initial read marks).
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ChatAction, ChatHeadSchema, ChatItemSchema, ChatSummarySchema, ChatTargetSchema } from '../../../../proto/index.ts';
import { toHex } from '../../../../keys/index.ts';
import { mergeEvent, mergeHistoryPage, mergeSummary } from '../../../../client/session/chat/incoming-merge.ts';
import type { EventContext, PendingMarker } from '../../../../client/session/chat/incoming-merge.ts';
import { directKey, emptyConversation, initialChatState, roomKey, unreadCount, updateConversation } from '../../../../client/session/chat/chat-state.ts';
import type { ChatMessageView, ChatState, ConversationKey, ConversationView } from '../../../../client/session/chat/chat-state.ts';
import { Outbox } from '../../../../client/session/chat/outbox.ts';
import { withPendingChanges } from '../../../../client/session/chat/pending-view.ts';
import { memoryChatPersistence } from '../../../../client/session/chat/persistence.ts';

const selfKey = new Uint8Array(32).fill(0x11);
const peerKey = new Uint8Array(32).fill(0x22);
const LOBBY = roomKey('lobby');
const DM = directKey(toHex(peerKey));

/** A checked message as message-view.ts would produce it. */
function msg(seq: number, text: string, options: { own?: boolean; authorName?: string; edited?: boolean } = {}): ChatMessageView {
  const own = options.own ?? false;
  return {
    id: seq.toString(16).padStart(32, '0'),
    seq,
    authorKeyHex: toHex(own ? selfKey : peerKey),
    authorName: options.authorName ?? (own ? 'Ann' : 'Bob'),
    authorFingerprint: own ? 'AA:AA' : 'BB:BB',
    text,
    serverTimeMs: 1_700_000_000_000 + seq,
    editedAtMs: options.edited ? 1_700_000_100_000 + seq : null,
    deleted: null,
    verified: 'ok',
    own,
    pendingChange: null,
  };
}

/** The pending marker with nothing queued. */
const noPending: PendingMarker = (_c, messages) => [...messages];

const ctx = (overrides: Partial<EventContext> = {}): EventContext => ({ isNewPost: true, reading: false, selfName: 'Ann', markPending: noPending, ...overrides });

/** State with `key` holding `c`'s fields over an empty conversation. */
function withConversation(key: ConversationKey, c: Partial<ConversationView>, state: ChatState = initialChatState): ChatState {
  return updateConversation(state, key, (x) => ({ ...x, ...c }));
}

const conv = (s: ChatState, key: ConversationKey): ConversationView => {
  const c = s.conversations.get(key);
  if (!c) throw new Error(`no conversation ${key}`);
  return c;
};

describe('mergeEvent', () => {
  it('a fresh post from someone else naming the user counts a mention while they are not reading', () => {
    const before = withConversation(LOBBY, { lastSeq: 4, readSeq: 4 });
    const s = mergeEvent(before, LOBBY, msg(5, 'hey @ann, look'), ctx());
    expect(s.mentionCount).toBe(1);
    const c = conv(s, LOBBY);
    expect(c.mentioned).toBe(true);
    expect(c.lastSeq).toBe(5);
    expect(c.readSeq).toBe(4);
    expect(unreadCount(c)).toBe(1);
    expect(c.messages.map((m) => m.text)).toEqual(['hey @ann, look']);
  });

  it('creates the conversation when the first event for it arrives', () => {
    const s = mergeEvent(initialChatState, LOBBY, msg(1, 'hello'), ctx());
    expect(conv(s, LOBBY).lastSeq).toBe(1);
    expect(conv(s, LOBBY).messages).toHaveLength(1);
  });

  it('counts no mention for the user\'s own post, even when it names them', () => {
    const s = mergeEvent(initialChatState, LOBBY, msg(1, 'Ann here', { own: true }), ctx());
    expect(s.mentionCount).toBe(0);
    expect(conv(s, LOBBY).mentioned).toBe(false);
  });

  it('counts no mention while the user reads the conversation', () => {
    const s = mergeEvent(initialChatState, LOBBY, msg(1, 'ann?'), ctx({ reading: true }));
    expect(s.mentionCount).toBe(0);
    expect(conv(s, LOBBY).mentioned).toBe(false);
    // Reading marks are the caller's business: the merge leaves readSeq alone.
    expect(conv(s, LOBBY).readSeq).toBe(0);
    expect(conv(s, LOBBY).lastSeq).toBe(1);
  });

  it('counts no mention when the name is not a whole word in the text', () => {
    const s = mergeEvent(initialChatState, LOBBY, msg(1, 'annual meeting, Joanne'), ctx());
    expect(s.mentionCount).toBe(0);
    expect(conv(s, LOBBY).mentioned).toBe(false);
  });

  it('counts no mention for a user without a name yet', () => {
    const s = mergeEvent(initialChatState, LOBBY, msg(1, 'anyone?'), ctx({ selfName: '  ' }));
    expect(s.mentionCount).toBe(0);
  });

  it('counts no mention for a post not newer than the newest known (a replay)', () => {
    const before = withConversation(LOBBY, { lastSeq: 9, readSeq: 3 });
    const s = mergeEvent(before, LOBBY, msg(7, 'ann!'), ctx());
    expect(s.mentionCount).toBe(0);
    expect(conv(s, LOBBY).mentioned).toBe(false);
    expect(conv(s, LOBBY).lastSeq).toBe(9);
    expect(conv(s, LOBBY).messages.map((m) => m.seq)).toEqual([7]);
  });

  it('counts each fresh mention and keeps the mentioned flag once set', () => {
    let s = mergeEvent(initialChatState, LOBBY, msg(1, 'ann'), ctx());
    s = mergeEvent(s, LOBBY, msg(2, 'nothing for you'), ctx());
    expect(conv(s, LOBBY).mentioned).toBe(true);
    s = mergeEvent(s, LOBBY, msg(3, 'ANN again'), ctx());
    expect(s.mentionCount).toBe(2);
    expect(conv(s, LOBBY).messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('a fresh own post advances the read mark to it', () => {
    const before = withConversation(LOBBY, { lastSeq: 6, readSeq: 2 });
    const s = mergeEvent(before, LOBBY, msg(7, 'my reply', { own: true }), ctx());
    expect(conv(s, LOBBY).readSeq).toBe(7);
    expect(unreadCount(conv(s, LOBBY))).toBe(0);
  });

  it('an own post that is not fresh leaves the read mark alone', () => {
    const before = withConversation(LOBBY, { lastSeq: 6, readSeq: 2 });
    const s = mergeEvent(before, LOBBY, msg(5, 'older own post', { own: true }), ctx());
    expect(conv(s, LOBBY).readSeq).toBe(2);
  });

  it('an edit replaces the message by seq, never counts a mention and never moves the read mark', () => {
    let s = mergeEvent(withConversation(LOBBY, { lastSeq: 2, readSeq: 2 }), LOBBY, msg(3, 'draft'), ctx());
    expect(conv(s, LOBBY).lastSeq).toBe(3);
    s = mergeEvent(s, LOBBY, msg(3, 'now naming ann', { edited: true }), ctx({ isNewPost: false }));
    expect(s.mentionCount).toBe(0);
    const c = conv(s, LOBBY);
    expect(c.mentioned).toBe(false);
    expect(c.messages).toHaveLength(1);
    expect(c.messages[0]!.text).toBe('now naming ann');
    expect(c.messages[0]!.editedAtMs).not.toBeNull();
    expect(c.readSeq).toBe(2);
  });

  it('an edit of the user\'s own post does not advance the read mark', () => {
    const before = withConversation(LOBBY, { lastSeq: 4, readSeq: 1 });
    const s = mergeEvent(before, LOBBY, msg(5, 'fixed typo', { own: true, edited: true }), ctx({ isNewPost: false }));
    expect(conv(s, LOBBY).readSeq).toBe(1);
    expect(conv(s, LOBBY).lastSeq).toBe(5);
  });

  it('a direct message from the peer records their current name; own messages keep it', () => {
    let s = mergeEvent(initialChatState, DM, msg(1, 'hi', { authorName: 'Bob' }), ctx());
    expect(conv(s, DM).peerName).toBe('Bob');
    s = mergeEvent(s, DM, msg(2, 'hi Bob', { own: true }), ctx());
    expect(conv(s, DM).peerName).toBe('Bob');
    s = mergeEvent(s, DM, msg(3, 'call me Robert', { authorName: 'Robert' }), ctx());
    expect(conv(s, DM).peerName).toBe('Robert');
  });

  it('a direct message mentioning the user counts like a room mention', () => {
    const s = mergeEvent(initialChatState, DM, msg(1, 'Ann, you there?'), ctx());
    expect(s.mentionCount).toBe(1);
    expect(conv(s, DM).mentioned).toBe(true);
  });

  it('room messages never set a peer name', () => {
    const s = mergeEvent(initialChatState, LOBBY, msg(1, 'hi', { authorName: 'Bob' }), ctx());
    expect(conv(s, LOBBY).peerName).toBe('');
  });

  it('puts the outbox\'s pending markers on the merged messages', async () => {
    const outbox = new Outbox(memoryChatPersistence());
    const target = msg(2, 'typo');
    const edit = create(ChatItemSchema, {
      action: ChatAction.EDIT,
      id: new Uint8Array(16).fill(9),
      authorKey: selfKey,
      target: create(ChatTargetSchema, { to: { case: 'roomId', value: 'lobby' } }),
      refId: Uint8Array.from(Buffer.from(target.id, 'hex')),
      text: 'fixed',
    });
    await outbox.add(LOBBY, edit, toBinary(ChatItemSchema, edit), 1000);
    const markPending: PendingMarker = (c, m) => withPendingChanges(outbox.items(), c, m);
    let s = mergeEvent(initialChatState, LOBBY, msg(1, 'first'), ctx({ markPending }));
    s = mergeEvent(s, LOBBY, target, ctx({ markPending }));
    expect(conv(s, LOBBY).messages.map((m) => [m.seq, m.pendingChange])).toEqual([
      [1, null],
      [2, 'edit'],
    ]);
  });
});

describe('mergeHistoryPage', () => {
  const page = (from: number, to: number): ChatMessageView[] => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i, `m${from + i}`));

  it('the latest page into an empty conversation: messages, hasMore from the page, loaded, lastSeq', () => {
    const before = withConversation(LOBBY, { loading: true });
    const s = mergeHistoryPage(before, LOBBY, 0, page(11, 20), true, noPending);
    const c = conv(s, LOBBY);
    expect(c.messages.map((m) => m.seq)).toEqual(page(11, 20).map((m) => m.seq));
    expect(c.hasMore).toBe(true);
    expect(c.loading).toBe(false);
    expect(c.loaded).toBe(true);
    expect(c.lastSeq).toBe(20);
  });

  it('an older page sets hasMore from the page but does not count as the latest page loaded', () => {
    const before = withConversation(LOBBY, { loading: true, hasMore: true, lastSeq: 30 });
    const s = mergeHistoryPage(before, LOBBY, 21, page(11, 20), false, noPending);
    const c = conv(s, LOBBY);
    expect(c.hasMore).toBe(false);
    expect(c.loaded).toBe(false);
    expect(c.loading).toBe(false);
    expect(c.lastSeq).toBe(30);
  });

  it('an older page keeps loaded once the latest page was loaded', () => {
    let s = mergeHistoryPage(initialChatState, LOBBY, 0, page(11, 20), true, noPending);
    s = mergeHistoryPage(s, LOBBY, 11, page(1, 10), false, noPending);
    const c = conv(s, LOBBY);
    expect(c.loaded).toBe(true);
    expect(c.hasMore).toBe(false);
    expect(c.messages.map((m) => m.seq)).toEqual(page(1, 20).map((m) => m.seq));
    expect(c.lastSeq).toBe(20);
  });

  it('a latest page after older messages are loaded keeps the known hasMore (the page cannot see them)', () => {
    // All history down to seq 1 is loaded: nothing more to fetch.
    let s = mergeHistoryPage(initialChatState, LOBBY, 0, page(1, 10), false, noPending);
    // New messages arrived; a fresh latest page (after a reconnect) says there is more below it.
    s = mergeHistoryPage(s, LOBBY, 0, page(16, 25), true, noPending);
    const c = conv(s, LOBBY);
    expect(c.hasMore).toBe(false);
    expect(c.lastSeq).toBe(25);
    expect(c.messages.map((m) => m.seq)).toEqual([...page(1, 10), ...page(16, 25)].map((m) => m.seq));
  });

  it('a latest page overlapping the oldest loaded message takes the page\'s hasMore', () => {
    // Only live messages 15..16 are loaded; the latest page reaches further back.
    let s = mergeEvent(initialChatState, LOBBY, msg(15, 'live'), ctx());
    s = mergeEvent(s, LOBBY, msg(16, 'live'), ctx());
    s = mergeHistoryPage(s, LOBBY, 0, page(7, 16), true, noPending);
    expect(conv(s, LOBBY).hasMore).toBe(true);
    expect(conv(s, LOBBY).messages).toHaveLength(10);
  });

  it('an empty latest page marks the conversation loaded with nothing more and keeps lastSeq', () => {
    const before = withConversation(LOBBY, { lastSeq: 3, hasMore: true, loading: true });
    const s = mergeHistoryPage(before, LOBBY, 0, [], false, noPending);
    const c = conv(s, LOBBY);
    expect(c.hasMore).toBe(false);
    expect(c.loaded).toBe(true);
    expect(c.loading).toBe(false);
    expect(c.lastSeq).toBe(3);
    expect(c.messages).toEqual([]);
  });

  it('history messages replace loaded ones with the same seq', () => {
    let s = mergeEvent(initialChatState, LOBBY, msg(5, 'old text'), ctx());
    s = mergeHistoryPage(s, LOBBY, 0, [msg(4, 'm4'), msg(5, 'edited text', { edited: true })], false, noPending);
    expect(conv(s, LOBBY).messages.map((m) => m.text)).toEqual(['m4', 'edited text']);
  });

  it('passes the merged list through the pending marker', () => {
    const seen: { conversation: ConversationKey; seqs: number[] }[] = [];
    const marking: PendingMarker = (conversation, messages) => {
      seen.push({ conversation, seqs: messages.map((m) => m.seq) });
      return messages.map((m) => (m.seq === 2 ? { ...m, pendingChange: 'delete' as const } : m));
    };
    const s = mergeHistoryPage(initialChatState, DM, 0, page(1, 3), false, marking);
    expect(seen).toEqual([{ conversation: DM, seqs: [1, 2, 3] }]);
    expect(conv(s, DM).messages.map((m) => m.pendingChange)).toEqual([null, 'delete', null]);
  });
});

describe('mergeSummary', () => {
  const roomHead = (roomId: string, lastSeq: number) => create(ChatHeadSchema, { target: create(ChatTargetSchema, { to: { case: 'roomId', value: roomId } }), lastSeq: BigInt(lastSeq) });
  const dmHead = (key: Uint8Array, lastSeq: number, peerName = '') =>
    create(ChatHeadSchema, { target: create(ChatTargetSchema, { to: { case: 'peerKey', value: key } }), lastSeq: BigInt(lastSeq), peerName });

  it('a room seen for the first time on this device starts read', () => {
    const s = mergeSummary(initialChatState, create(ChatSummarySchema, { heads: [roomHead('lobby', 42)] }), new Map());
    const c = conv(s, LOBBY);
    expect(c.lastSeq).toBe(42);
    expect(c.readSeq).toBe(42);
    expect(unreadCount(c)).toBe(0);
  });

  it('a direct conversation without a read mark starts unread, with the peer\'s name', () => {
    const s = mergeSummary(initialChatState, create(ChatSummarySchema, { heads: [dmHead(peerKey, 3, 'Bob')] }), new Map());
    const c = conv(s, DM);
    expect(c.lastSeq).toBe(3);
    expect(c.readSeq).toBe(0);
    expect(unreadCount(c)).toBe(3);
    expect(c.peerName).toBe('Bob');
  });

  it('respects this device\'s read marks for rooms and direct conversations', () => {
    const marks = new Map([
      [LOBBY, 40],
      [DM, 2],
    ]);
    const s = mergeSummary(initialChatState, create(ChatSummarySchema, { heads: [roomHead('lobby', 42), dmHead(peerKey, 3, 'Bob')] }), marks);
    expect(unreadCount(conv(s, LOBBY))).toBe(2);
    expect(unreadCount(conv(s, DM))).toBe(1);
  });

  it('never moves lastSeq or readSeq backwards, and keeps a known peer name when the head has none', () => {
    const before = withConversation(DM, { lastSeq: 9, readSeq: 8, peerName: 'Bob' });
    const s = mergeSummary(before, create(ChatSummarySchema, { heads: [dmHead(peerKey, 5)] }), new Map([[DM, 1]]));
    const c = conv(s, DM);
    expect(c.lastSeq).toBe(9);
    expect(c.readSeq).toBe(8);
    expect(c.peerName).toBe('Bob');
  });

  it('keeps loaded messages of a conversation it updates', () => {
    const before = mergeEvent(initialChatState, LOBBY, msg(1, 'hello'), ctx());
    const s = mergeSummary(before, create(ChatSummarySchema, { heads: [roomHead('lobby', 4)] }), new Map([[LOBBY, 1]]));
    expect(conv(s, LOBBY).messages.map((m) => m.text)).toEqual(['hello']);
    expect(unreadCount(conv(s, LOBBY))).toBe(3);
  });

  it('skips heads without a target', () => {
    const summary = create(ChatSummarySchema, {
      heads: [create(ChatHeadSchema, { lastSeq: 5n }), create(ChatHeadSchema, { target: create(ChatTargetSchema, {}), lastSeq: 6n })],
    });
    const s = mergeSummary(initialChatState, summary, new Map());
    expect(s).toBe(initialChatState);
    expect(s.conversations.size).toBe(0);
  });

  it('merges every known head and skips only the unknown ones', () => {
    const summary = create(ChatSummarySchema, { heads: [roomHead('lobby', 1), create(ChatHeadSchema, { lastSeq: 5n }), roomHead('games', 2), dmHead(peerKey, 7)] });
    const s = mergeSummary(initialChatState, summary, new Map());
    expect([...s.conversations.keys()].sort()).toEqual([DM, roomKey('games'), LOBBY].sort());
    expect(conv(s, roomKey('games'))).toEqual({ ...emptyConversation(roomKey('games')), lastSeq: 2, readSeq: 2 });
  });
});
