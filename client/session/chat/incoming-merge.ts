/**
 * How what the relay sends about chat folds into the chat state, pure: a
 * live event (new post, edit, deletion), a history page, and the sign-in
 * summary of every conversation's newest seq. Verification and the outbox
 * stay with the caller, which passes checked views and a function that puts
 * the outbox's pending markers on a list of messages.
 */
import { toHex } from '../../../keys/index.ts';
import type { ChatSummary } from '../../../proto/index.ts';
import { emptyConversation, mentionsName, mergeMessages, roomKey, updateConversation } from './chat-state.ts';
import type { ChatMessageView, ChatState, ConversationKey } from './chat-state.ts';

/** Puts the outbox's pending edit/delete markers on a conversation's messages. */
export type PendingMarker = (conversation: ConversationKey, messages: readonly ChatMessageView[]) => ChatMessageView[];

/** What the merge of a live event needs to know besides the view. */
export interface EventContext {
  /** A new post (not an edit or deletion). */
  readonly isNewPost: boolean;
  /** The user is looking at this conversation right now (no mention badge then). */
  readonly reading: boolean;
  /** The user's current display name, for mentions. */
  readonly selfName: string;
  readonly markPending: PendingMarker;
}

/** One live message merged into its conversation; counts a mention of the user in a fresh post they are not reading. */
export function mergeEvent(state: ChatState, conversation: ConversationKey, view: ChatMessageView, ctx: EventContext): ChatState {
  let mention = false;
  const next = updateConversation(state, conversation, (c) => {
    const fresh = ctx.isNewPost && view.seq > c.lastSeq;
    mention = fresh && !view.own && !ctx.reading && mentionsName(view.text, ctx.selfName);
    return {
      ...c,
      messages: ctx.markPending(conversation, mergeMessages(c.messages, [view])),
      lastSeq: Math.max(c.lastSeq, view.seq),
      readSeq: view.own && fresh ? Math.max(c.readSeq, view.seq) : c.readSeq,
      mentioned: c.mentioned || mention,
      peerName: conversation.startsWith('dm:') && !view.own ? view.authorName : c.peerName,
    };
  });
  return mention ? { ...next, mentionCount: next.mentionCount + 1 } : next;
}

/** A page of history (`before` 0 = the latest page) merged into its conversation. */
export function mergeHistoryPage(state: ChatState, conversation: ConversationKey, before: number, views: readonly ChatMessageView[], pageHasMore: boolean, markPending: PendingMarker): ChatState {
  return updateConversation(state, conversation, (c) => {
    const oldestLoaded = c.messages[0]?.seq ?? Number.POSITIVE_INFINITY;
    const newest = views.length ? views[views.length - 1]!.seq : 0;
    // A latest page only says something about older messages if nothing older is loaded already.
    const hasMore = before === 0 && views.length > 0 && oldestLoaded < views[0]!.seq ? c.hasMore : pageHasMore;
    return {
      ...c,
      messages: markPending(conversation, mergeMessages(c.messages, views)),
      hasMore,
      loading: false,
      loadError: null,
      loaded: c.loaded || before === 0,
      lastSeq: Math.max(c.lastSeq, newest),
    };
  });
}

/**
 * One page of the sign-in summary (ChatSummary frames come in pages; each is
 * merged as it arrives, and merging is a max, so page order does not matter):
 * each conversation's newest seq, read up to this device's read mark. One map
 * copy per page, not per head: a page holds hundreds of rooms.
 */
export function mergeSummary(state: ChatState, summary: ChatSummary, readMarks: ReadonlyMap<string, number>): ChatState {
  const conversations = new Map(state.conversations);
  let changed = false;
  for (const head of summary.heads) {
    const to = head.target?.to;
    const key = to?.case === 'roomId' ? roomKey(to.value) : to?.case === 'peerKey' ? `dm:${toHex(to.value)}` : null;
    if (!key) continue;
    const lastSeq = Number(head.lastSeq);
    // Rooms seen for the first time on this device start read; direct messages start unread.
    const readSeq = readMarks.get(key) ?? (key.startsWith('room:') ? lastSeq : 0);
    const c = conversations.get(key) ?? emptyConversation(key);
    conversations.set(key, { ...c, lastSeq: Math.max(c.lastSeq, lastSeq), readSeq: Math.max(c.readSeq, readSeq), peerName: head.peerName || c.peerName });
    changed = true;
  }
  return changed ? { ...state, conversations } : state;
}
