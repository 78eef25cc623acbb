/**
 * How the outbox shows in the chat state, on its own: pending edit/delete
 * markers on loaded messages, and queued posts as pending entries per
 * conversation. The outbox is the real one (in-memory persistence), driven
 * through its own states with real acks.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ChatAckSchema, ChatAction, ChatItemSchema, ChatTargetSchema, ErrorCode } from '../../../../proto/index.ts';
import type { ChatItem } from '../../../../proto/index.ts';
import { toHex } from '../../../../keys/index.ts';
import { withPending, withPendingChanges } from '../../../../client/session/chat/pending-view.ts';
import { directKey, initialChatState, roomKey, updateConversation } from '../../../../client/session/chat/chat-state.ts';
import type { ChatMessageView, ChatState, ConversationKey, ConversationView } from '../../../../client/session/chat/chat-state.ts';
import { Outbox } from '../../../../client/session/chat/outbox.ts';
import { memoryChatPersistence } from '../../../../client/session/chat/persistence.ts';

const selfKey = new Uint8Array(32).fill(0x11);
const peerKey = new Uint8Array(32).fill(0x22);
const LOBBY = roomKey('lobby');
const GAMES = roomKey('games');
const DM = directKey(toHex(peerKey));

let nextId = 1;
/** A fresh 16-byte item id. */
const newId = (): Uint8Array => {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(12, nextId++);
  return id;
};

function targetOf(conversation: ConversationKey) {
  return conversation.startsWith('room:')
    ? create(ChatTargetSchema, { to: { case: 'roomId', value: conversation.slice(5) } })
    : create(ChatTargetSchema, { to: { case: 'peerKey', value: peerKey } });
}

const post = (conversation: ConversationKey, text: string, clientTimeMs: number): ChatItem =>
  create(ChatItemSchema, { action: ChatAction.POST, id: newId(), authorKey: selfKey, target: targetOf(conversation), clientTimeMs: BigInt(clientTimeMs), text });

const change = (action: ChatAction.EDIT | ChatAction.DELETE, conversation: ConversationKey, ref: ChatMessageView): ChatItem =>
  create(ChatItemSchema, {
    action,
    id: newId(),
    authorKey: selfKey,
    target: targetOf(conversation),
    clientTimeMs: 5n,
    refId: Uint8Array.from(Buffer.from(ref.id, 'hex')),
    text: action === ChatAction.EDIT ? 'edited' : '',
  });

/** A loaded message, own, as message-view.ts would produce it. */
function msg(seq: number, pendingChange: ChatMessageView['pendingChange'] = null): ChatMessageView {
  return {
    id: toHex(newId()),
    seq,
    authorKeyHex: toHex(selfKey),
    authorName: 'Ann',
    authorFingerprint: 'AA:AA',
    text: `message ${seq}`,
    serverTimeMs: 1_700_000_000_000 + seq,
    editedAtMs: null,
    deleted: null,
    verified: 'ok',
    own: true,
    pendingChange,
  };
}

/** A real outbox with `items` queued in order. */
async function outboxWith(...items: [ConversationKey, ChatItem][]): Promise<Outbox> {
  const outbox = new Outbox(memoryChatPersistence());
  let now = 1000;
  for (const [conversation, item] of items) await outbox.add(conversation, item, toBinary(ChatItemSchema, item), now++);
  return outbox;
}

/** Sends the outbox's head and answers it with `code` (the relay's verdict). */
function answerHead(outbox: Outbox, code: ErrorCode, retryAfterMs = 0): void {
  const head = outbox.next();
  if (!head) throw new Error('nothing to send');
  const settled = outbox.settle(create(ChatAckSchema, { id: head.item.id, code, retryAfterMs }));
  if (settled.kind === 'unknown') throw new Error('ack not matched');
}

const conv = (s: ChatState, key: ConversationKey): ConversationView => {
  const c = s.conversations.get(key);
  if (!c) throw new Error(`no conversation ${key}`);
  return c;
};

describe('withPendingChanges', () => {
  it('marks messages with a queued edit or deletion and leaves the others as they were', async () => {
    const [a, b, c] = [msg(1), msg(2), msg(3)];
    const outbox = await outboxWith([LOBBY, change(ChatAction.EDIT, LOBBY, a)], [LOBBY, change(ChatAction.DELETE, LOBBY, c)]);
    const out = withPendingChanges(outbox.items(), LOBBY, [a, b, c]);
    expect(out.map((m) => m.pendingChange)).toEqual(['edit', null, 'delete']);
    expect(out[1]).toBe(b);
    // The input views are not changed.
    expect(a.pendingChange).toBeNull();
  });

  it('the latest queued change of a message wins', async () => {
    const a = msg(1);
    const outbox = await outboxWith([LOBBY, change(ChatAction.EDIT, LOBBY, a)], [LOBBY, change(ChatAction.DELETE, LOBBY, a)]);
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]!.pendingChange).toBe('delete');
  });

  it('keeps marking a change while it is in flight or waiting out a rate limit', async () => {
    const a = msg(1);
    const outbox = await outboxWith([LOBBY, change(ChatAction.EDIT, LOBBY, a)]);
    outbox.next();
    expect(outbox.items()[0]!.status).toBe('sending');
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]!.pendingChange).toBe('edit');
    outbox.interrupted();
    answerHead(outbox, ErrorCode.RATE_LIMITED, 500);
    expect(outbox.items()[0]!.status).toBe('waiting');
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]!.pendingChange).toBe('edit');
  });

  it('keeps a change queued when the cluster has no writer for a moment (CLUSTER_UNAVAILABLE), to send again', async () => {
    const a = msg(1);
    const outbox = await outboxWith([LOBBY, change(ChatAction.EDIT, LOBBY, a)]);
    answerHead(outbox, ErrorCode.CLUSTER_UNAVAILABLE);
    expect(outbox.items()[0]!.status).toBe('waiting');
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]!.pendingChange).toBe('edit');
  });

  it('ignores a change the relay refused (failed), clearing the marker it had put on', async () => {
    const a = msg(1, 'delete');
    const outbox = await outboxWith([LOBBY, change(ChatAction.DELETE, LOBBY, a)]);
    answerHead(outbox, ErrorCode.CHAT_FORBIDDEN);
    expect(outbox.items()[0]!.status).toBe('failed');
    const out = withPendingChanges(outbox.items(), LOBBY, [a]);
    expect(out[0]!.pendingChange).toBeNull();
    expect(out[0]).not.toBe(a);
  });

  it('clears a marker once the outbox no longer holds the change', async () => {
    const a = msg(1, 'edit');
    const outbox = await outboxWith([LOBBY, change(ChatAction.EDIT, LOBBY, a)]);
    answerHead(outbox, ErrorCode.UNSPECIFIED);
    expect(outbox.items()).toHaveLength(0);
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]!.pendingChange).toBeNull();
  });

  it('only looks at changes queued for the same conversation', async () => {
    const a = msg(1);
    const outbox = await outboxWith([GAMES, change(ChatAction.EDIT, GAMES, a)]);
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]).toBe(a);
  });

  it('queued posts put no marker on anything', async () => {
    const a = msg(1);
    const outbox = await outboxWith([LOBBY, post(LOBBY, 'new one', 10)]);
    expect(withPendingChanges(outbox.items(), LOBBY, [a])[0]).toBe(a);
  });

  it('keeps every view whose marker is already right', async () => {
    const [a, b] = [msg(1, 'edit'), msg(2)];
    const outbox = await outboxWith([LOBBY, change(ChatAction.EDIT, LOBBY, a)]);
    const out = withPendingChanges(outbox.items(), LOBBY, [a, b]);
    expect(out[0]).toBe(a);
    expect(out[1]).toBe(b);
  });

  it('an empty list stays empty', () => {
    expect(withPendingChanges([], LOBBY, [])).toEqual([]);
  });
});

describe('withPending', () => {
  /** A state where the lobby has two loaded messages. */
  function loaded(): { state: ChatState; first: ChatMessageView; second: ChatMessageView } {
    const first = msg(1);
    const second = msg(2);
    const state = updateConversation(initialChatState, LOBBY, (c) => ({ ...c, messages: [first, second], lastSeq: 2, readSeq: 2, loaded: true }));
    return { state, first, second };
  }

  it('groups queued posts per conversation, in send order, with their status', async () => {
    const { state } = loaded();
    const outbox = await outboxWith([LOBBY, post(LOBBY, 'one', 100)], [GAMES, post(GAMES, 'elsewhere', 150)], [LOBBY, post(LOBBY, 'two', 200)]);
    outbox.next();
    const s = withPending(state, outbox.items());
    expect(conv(s, LOBBY).pending).toEqual([
      { id: outbox.items()[0]!.entry.id, text: 'one', clientTimeMs: 100, status: 'sending', error: null },
      { id: outbox.items()[2]!.entry.id, text: 'two', clientTimeMs: 200, status: 'queued', error: null },
    ]);
    expect(conv(s, GAMES).pending.map((p) => p.text)).toEqual(['elsewhere']);
  });

  it('creates a conversation that so far only has pending posts', async () => {
    const outbox = await outboxWith([DM, post(DM, 'first words', 300)]);
    const s = withPending(initialChatState, outbox.items());
    const c = conv(s, DM);
    expect(c.pending.map((p) => p.text)).toEqual(['first words']);
    expect(c.messages).toEqual([]);
    expect(c.lastSeq).toBe(0);
    expect(c.key).toBe(DM);
  });

  it('shows a refused post as failed, with the relay\'s reason', async () => {
    const outbox = await outboxWith([LOBBY, post(LOBBY, 'not allowed', 100)]);
    answerHead(outbox, ErrorCode.CHAT_FORBIDDEN);
    const s = withPending(initialChatState, outbox.items());
    const [p] = conv(s, LOBBY).pending;
    expect(p!.status).toBe('failed');
    expect(p!.error?.code).toBe('chat-forbidden');
  });

  it('shows a rate-limited post as waiting, with the reason', async () => {
    const outbox = await outboxWith([LOBBY, post(LOBBY, 'slow down', 100)]);
    answerHead(outbox, ErrorCode.RATE_LIMITED, 800);
    const [p] = conv(withPending(initialChatState, outbox.items()), LOBBY).pending;
    expect(p!.status).toBe('waiting');
    expect(p!.error?.code).toBe('rate-limited');
  });

  it('puts the pending-change markers on loaded messages and leaves the other conversation fields alone', async () => {
    const { state, first, second } = loaded();
    const outbox = await outboxWith([LOBBY, change(ChatAction.DELETE, LOBBY, second)]);
    const s = withPending(state, outbox.items());
    const c = conv(s, LOBBY);
    expect(c.messages[0]).toBe(first);
    expect(c.messages[1]!.pendingChange).toBe('delete');
    expect(c.pending).toEqual([]);
    expect(c).toMatchObject({ lastSeq: 2, readSeq: 2, loaded: true });
  });

  it('clears every pending post and marker once the outbox is empty', async () => {
    const { state, second } = loaded();
    const outbox = await outboxWith([LOBBY, post(LOBBY, 'one', 100)], [LOBBY, change(ChatAction.EDIT, LOBBY, second)], [DM, post(DM, 'dm', 101)]);
    const busy = withPending(state, outbox.items());
    expect(conv(busy, LOBBY).pending).toHaveLength(1);
    expect(conv(busy, LOBBY).messages[1]!.pendingChange).toBe('edit');
    answerHead(outbox, ErrorCode.UNSPECIFIED);
    answerHead(outbox, ErrorCode.UNSPECIFIED);
    answerHead(outbox, ErrorCode.UNSPECIFIED);
    expect(outbox.items()).toHaveLength(0);

    const idle = withPending(busy, outbox.items());
    expect(conv(idle, LOBBY).pending).toEqual([]);
    expect(conv(idle, LOBBY).messages.map((m) => m.pendingChange)).toEqual([null, null]);
    // The conversation created for the pending post stays (empty), it is not dropped.
    expect(conv(idle, DM).pending).toEqual([]);
  });

  it('a discarded failed post disappears from its conversation', async () => {
    const outbox = await outboxWith([LOBBY, post(LOBBY, 'refused', 100)], [LOBBY, post(LOBBY, 'kept', 101)]);
    answerHead(outbox, ErrorCode.TOO_LARGE);
    expect(outbox.discard(outbox.items()[0]!.entry.id)).toBe(true);
    const s = withPending(initialChatState, outbox.items());
    expect(conv(s, LOBBY).pending.map((p) => p.text)).toEqual(['kept']);
  });

  it('does not change the state it was given', async () => {
    const { state } = loaded();
    const outbox = await outboxWith([GAMES, post(GAMES, 'x', 1)]);
    const s = withPending(state, outbox.items());
    expect(s).not.toBe(state);
    expect(state.conversations.has(GAMES)).toBe(false);
    expect(s.conversations.has(GAMES)).toBe(true);
    expect(s.active).toBe(state.active);
    expect(s.mentionCount).toBe(state.mentionCount);
  });
});
