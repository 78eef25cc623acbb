/**
 * The chat part of the session's state, and the pure functions that change
 * it. Conversations are keyed `room:<room id>` or `dm:<peer key hex>`.
 */
import type { SessionError } from '../errors.ts';
import type { FileManifest } from '../../../proto/index.ts';

/** `room:<id>` or `dm:<peer public key hex>`. */
export type ConversationKey = string;

/** Key of a room's chat. */
export const roomKey = (roomId: string): ConversationKey => `room:${roomId}`;
/** Key of the direct conversation with `peerKeyHex`. */
export const directKey = (peerKeyHex: string): ConversationKey => `dm:${peerKeyHex}`;

/** What a key names. */
export function parseConversationKey(key: ConversationKey): { kind: 'room'; roomId: string } | { kind: 'direct'; peerKeyHex: string } | null {
  if (key.startsWith('room:') && key.length > 5) return { kind: 'room', roomId: key.slice(5) };
  if (/^dm:[0-9a-f]{64}$/.test(key)) return { kind: 'direct', peerKeyHex: key.slice(3) };
  return null;
}

/** Signature check of a shown message: `bad` is shown as unverifiable, never silently trusted. */
export type Verification = 'ok' | 'bad';

/** A message as the UI shows it. */
export interface ChatMessageView {
  /** Hex of the post's id. */
  readonly id: string;
  readonly seq: number;
  readonly authorKeyHex: string;
  readonly authorName: string;
  /** Fingerprint of the author's key (shown on hover). */
  readonly authorFingerprint: string;
  /** The current text (the latest edit's, else the post's; empty when deleted). */
  readonly text: string;
  readonly serverTimeMs: number;
  /** Relay time of the latest edit, or null. */
  readonly editedAtMs: number | null;
  /** Set when deleted: whether the author did it or someone else (an admin). */
  readonly deleted: { readonly byAuthor: boolean } | null;
  readonly verified: Verification;
  /** Written by this user's key. */
  readonly own: boolean;
  /** An edit or delete of this message waits in the outbox. */
  readonly pendingChange: 'edit' | 'delete' | null;
  /** The signed manifest of a shared file (checked by the file-sharing layer, not here). */
  readonly file?: FileManifest | null;
}

/** Where a typed message is on its way out. */
export type PendingStatus = 'queued' | 'sending' | 'waiting' | 'failed';

/** A post typed here and not yet accepted by the relay. */
export interface PendingView {
  /** Hex of the item id. */
  readonly id: string;
  readonly text: string;
  readonly clientTimeMs: number;
  readonly status: PendingStatus;
  /** Why it failed (`failed`) or waits (`waiting`: rate-limited). */
  readonly error: SessionError | null;
  /** The signed manifest when this post shares a file. */
  readonly file?: FileManifest | null;
}

/** One conversation's loaded slice and counters. */
export interface ConversationView {
  readonly key: ConversationKey;
  /** Loaded messages, oldest first, by seq. */
  readonly messages: readonly ChatMessageView[];
  /** Posts waiting in the outbox, in send order. */
  readonly pending: readonly PendingView[];
  /** Older messages exist on the relay. */
  readonly hasMore: boolean;
  /** A history request is out. */
  readonly loading: boolean;
  /** The newest page has been fetched since sign-in. */
  readonly loaded: boolean;
  /** Newest seq known for this conversation. */
  readonly lastSeq: number;
  /** Seq up to which the user has seen it. */
  readonly readSeq: number;
  /** Someone mentioned the user by name in an unread message. */
  readonly mentioned: boolean;
  /** Direct conversations: the peer's last known display name. */
  readonly peerName: string;
  /** Why the last history request failed (SLOW_DOWN, a refusal, a reply that could not be read); null after a page arrives. */
  readonly loadError: SessionError | null;
}

/** The chat slice of the session state. */
export interface ChatState {
  /** The conversation selected in the chat panel (null before the first room is known). */
  readonly active: ConversationKey | null;
  /** The chat panel is on screen (phones show either the rooms or the chat); messages are read only then. */
  readonly visible: boolean;
  readonly conversations: ReadonlyMap<ConversationKey, ConversationView>;
  /** Counts mentions as they arrive (the UI plays a sound when it grows). */
  readonly mentionCount: number;
  /** The last edit or deletion the relay refused, shown until dismissed. */
  readonly refused: RefusedChange | null;
}

/** An edit or deletion of ours that the relay refused (the message stays as it was). */
export interface RefusedChange {
  readonly action: 'edit' | 'delete';
  readonly conversation: ConversationKey;
  readonly error: SessionError;
}

export const initialChatState: ChatState = { active: null, visible: true, conversations: new Map(), mentionCount: 0, refused: null };

/** Unread messages of a conversation. */
export function unreadCount(c: ConversationView): number {
  return Math.max(0, c.lastSeq - c.readSeq);
}

/** An empty conversation. */
export function emptyConversation(key: ConversationKey): ConversationView {
  return { key, messages: [], pending: [], hasMore: false, loading: false, loaded: false, lastSeq: 0, readSeq: 0, mentioned: false, peerName: '', loadError: null };
}

/** Merges `incoming` into `existing` by seq (incoming wins), oldest first. */
export function mergeMessages(existing: readonly ChatMessageView[], incoming: readonly ChatMessageView[]): ChatMessageView[] {
  if (incoming.length === 0) return [...existing];
  const bySeq = new Map<number, ChatMessageView>();
  for (const m of existing) bySeq.set(m.seq, m);
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Returns `state` with conversation `key` replaced by `change(current)` (created empty if missing). */
export function updateConversation(state: ChatState, key: ConversationKey, change: (c: ConversationView) => ConversationView): ChatState {
  const current = state.conversations.get(key) ?? emptyConversation(key);
  const next = change(current);
  if (next === current && state.conversations.has(key)) return state;
  const conversations = new Map(state.conversations);
  conversations.set(key, next);
  return { ...state, conversations };
}

/** True when `text` mentions `name` as a word (`@name` or plain), ignoring case. */
export function mentionsName(text: string, name: string): boolean {
  const wanted = name.trim().toLocaleLowerCase();
  if (!wanted) return false;
  const hay = text.toLocaleLowerCase();
  let from = 0;
  for (;;) {
    const at = hay.indexOf(wanted, from);
    if (at < 0) return false;
    const before = at === 0 ? '' : hay[at - 1]!;
    const after = hay[at + wanted.length] ?? '';
    const boundary = (c: string): boolean => c === '' || !/[\p{L}\p{N}_]/u.test(c);
    if (boundary(before) && boundary(after)) return true;
    from = at + 1;
  }
}
