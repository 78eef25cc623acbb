/**
 * Turns a relay `ChatMessage` into what the UI shows, checking every
 * signature on the way: the post (unless deleted), the latest edit (same
 * author, same message, same conversation) and the deletion. The relay is
 * trusted for ordering and names, not for content: anything that fails is
 * shown as unverifiable.
 */
import { ChatAction, chatSigningBytes, checkChatItem } from '../../../proto/index.ts';
import type { ChatItem, ChatMessage, SigningTarget } from '../../../proto/index.ts';
import { toHex } from '../../../keys/index.ts';
import type { ChatMessageView, ConversationKey } from './chat-state.ts';
import { parseConversationKey } from './chat-state.ts';

/** What checking needs from outside. */
export interface ViewContext {
  readonly relayKey: Uint8Array;
  readonly selfKeyHex: string;
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;
  readonly fingerprint: (publicKey: Uint8Array) => Promise<string>;
}

/** The conversation a message belongs to, seen from `selfKeyHex`; null if it is not one of ours. */
export function conversationOfItem(item: ChatItem, selfKeyHex: string): ConversationKey | null {
  const to = item.target?.to;
  if (to?.case === 'roomId') return `room:${to.value}`;
  if (to?.case !== 'peerKey') return null;
  const author = toHex(item.authorKey);
  const peer = toHex(to.value);
  if (author === selfKeyHex) return `dm:${peer}`;
  if (peer === selfKeyHex) return `dm:${author}`;
  return null;
}

function sameTarget(a: SigningTarget, b: SigningTarget): boolean {
  if (a.kind === 'room' || b.kind === 'room') return a.kind === b.kind && a.kind === 'room' && b.kind === 'room' && a.roomId === b.roomId;
  return toHex(a.peerKey) === toHex(b.peerKey);
}

async function itemVerifies(item: ChatItem, ctx: ViewContext, expected: ChatAction): Promise<SigningTarget | null> {
  if (item.action !== expected) return null;
  const check = checkChatItem(item, ctx.relayKey);
  if (!check.ok) return null;
  return (await ctx.verify(item.authorKey, chatSigningBytes(check.fields), item.signature)) ? check.fields.target : null;
}

/** Checks and converts; null when the message is not even shaped like one of `conversation`'s. */
export async function toMessageView(message: ChatMessage, conversation: ConversationKey, ctx: ViewContext): Promise<ChatMessageView | null> {
  const post = message.post;
  if (!post || post.id.byteLength === 0 || conversationOfItem(post, ctx.selfKeyHex) !== conversation || !parseConversationKey(conversation)) return null;
  const authorKeyHex = toHex(post.authorKey);
  const postId = toHex(post.id);
  let verified: boolean;
  let text = post.text;
  let deleted: ChatMessageView['deleted'] = null;
  let editedAtMs: number | null = null;
  if (message.deletion) {
    const d = message.deletion;
    const target = await itemVerifies(d, ctx, ChatAction.DELETE);
    const postTarget = checkChatItem({ ...post, text: 'x' }, ctx.relayKey);
    verified = target !== null && toHex(d.refId) === postId && postTarget.ok && sameTarget(target, postTarget.fields.target);
    deleted = { byAuthor: toHex(d.authorKey) === authorKeyHex };
    text = '';
  } else {
    const postTarget = await itemVerifies(post, ctx, ChatAction.POST);
    verified = postTarget !== null;
    if (message.edit) {
      const e = message.edit;
      const editTarget = await itemVerifies(e, ctx, ChatAction.EDIT);
      verified &&= editTarget !== null && postTarget !== null && sameTarget(editTarget, postTarget) && toHex(e.authorKey) === authorKeyHex && toHex(e.refId) === postId;
      text = e.text;
      editedAtMs = Number(message.changedTimeMs) || null;
    }
  }
  return {
    id: postId,
    seq: Number(message.seq),
    authorKeyHex,
    authorName: message.authorName,
    authorFingerprint: await ctx.fingerprint(post.authorKey),
    text,
    serverTimeMs: Number(message.serverTimeMs),
    editedAtMs,
    deleted,
    verified: verified ? 'ok' : 'bad',
    own: authorKeyHex === ctx.selfKeyHex,
    pendingChange: null,
    file: message.deletion ? null : (post.file ?? null),
  };
}
