/**
 * How the outbox shows in the chat log, pure: queued posts become pending
 * entries per conversation, and loaded messages with a queued edit or
 * deletion carry a `pendingChange` marker until the relay answers.
 */
import { ChatAction } from '../../../proto/index.ts';
import { toHex } from '../../../keys/index.ts';
import { emptyConversation } from './chat-state.ts';
import type { ChatMessageView, ChatState, ConversationKey, PendingView } from './chat-state.ts';
import type { OutboxItem } from './outbox.ts';

/** `messages` with each one's pending edit/delete marker set from the outbox (unchanged views kept). */
export function withPendingChanges(items: readonly OutboxItem[], conversation: ConversationKey, messages: readonly ChatMessageView[]): ChatMessageView[] {
  const changes = new Map<string, 'edit' | 'delete'>();
  for (const o of items) {
    if (o.entry.conversation !== conversation || o.item.action === ChatAction.POST || o.status === 'failed') continue;
    changes.set(toHex(o.item.refId), o.item.action === ChatAction.EDIT ? 'edit' : 'delete');
  }
  return messages.map((m) => {
    const change = changes.get(m.id) ?? null;
    return m.pendingChange === change ? m : { ...m, pendingChange: change };
  });
}

/** The state with every conversation's pending posts and pending-change markers recomputed from the outbox. */
export function withPending(state: ChatState, items: readonly OutboxItem[]): ChatState {
  const byConversation = new Map<ConversationKey, PendingView[]>();
  for (const o of items) {
    if (o.item.action !== ChatAction.POST) continue;
    const list = byConversation.get(o.entry.conversation) ?? [];
    list.push({ id: o.entry.id, text: o.item.text, clientTimeMs: Number(o.item.clientTimeMs), status: o.status, error: o.error, ...(o.item.file ? { file: o.item.file } : {}) });
    byConversation.set(o.entry.conversation, list);
  }
  const conversations = new Map(state.conversations);
  for (const key of new Set([...conversations.keys(), ...byConversation.keys()])) {
    const c = conversations.get(key) ?? emptyConversation(key);
    conversations.set(key, { ...c, pending: byConversation.get(key) ?? [], messages: withPendingChanges(items, key, c.messages) });
  }
  return { ...state, conversations };
}
