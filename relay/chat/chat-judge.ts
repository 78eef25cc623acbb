/**
 * The stateful half of taking a chat item: against what is stored, may this
 * post, edit or delete happen, and what does it change? Split from the chat
 * service so one relay runs it on its queue and a cluster's writer runs it
 * for items from every relay (relay/cluster/shared-state.ts); the change it
 * returns is an absolute value (the whole new message), so every relay that
 * applies it ends with the same record under the same seq.
 */
import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ChatAction, ChatActionCode, ChatMessageSchema, ErrorCode } from '../../proto/index.ts';
import type { ChatItem, ChatMessage, ChatSigningFields, PermissionDenialSchema } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Member } from '../presence/presence.ts';
import type { ChatActor, ChatPermission, ChatPlace, ChatPolicy } from './authorize.ts';
import type { ChatStore } from './chat-store.ts';
import type { Conversation } from './conversation.ts';

/** One stored chat change: a new post, or a message replaced by an edit or a delete. */
export type ChatChange =
  | { readonly kind: 'post'; readonly conv: string; readonly author: string; readonly message: ChatMessage }
  | { readonly kind: 'change'; readonly conv: string; readonly seq: number; readonly author: string; readonly itemId: Uint8Array; readonly message: ChatMessage };

/** A refusal of an item, as its chatAck carries it. */
export interface ChatRefusal {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly denial?: MessageInitShape<typeof PermissionDenialSchema> | undefined;
}

/** What the judge needs. */
export interface ChatJudgeDeps {
  readonly store: ChatStore;
  readonly policy: ChatPolicy;
  readonly explain?: (member: Member, action: ChatPermission, place: ChatPlace) => MessageInitShape<typeof PermissionDenialSchema> | undefined;
}

/** The place a conversation is, for `selfHex`. */
export function placeOf(conv: Conversation, selfHex: string): ChatPlace {
  if (conv.kind === 'room') return { kind: 'room', roomId: conv.roomId };
  return { kind: 'direct', peerKeyHex: conv.a === selfHex ? conv.b : conv.a };
}

/** Decides a checked, signed item of `member` at server time `now`: the change to store, or the refusal. */
export async function judgeChat(
  deps: ChatJudgeDeps,
  member: Member,
  actor: ChatActor,
  item: ChatItem,
  fields: ChatSigningFields,
  conv: Conversation,
  now: number,
): Promise<{ ok: true; change: ChatChange } | ({ ok: false } & ChatRefusal)> {
  const { store, policy } = deps;
  const place = placeOf(conv, actor.publicKeyHex);
  if (fields.action === ChatActionCode.post) {
    if (!policy(actor, 'post', place)) return { ok: false, code: ErrorCode.CHAT_FORBIDDEN, detail: 'text is not allowed here', denial: deps.explain?.(member, 'post', place) };
    const message = create(ChatMessageSchema, { serverTimeMs: BigInt(now), authorName: member.displayName, post: item });
    return { ok: true, change: { kind: 'post', conv: conv.key, author: actor.publicKeyHex, message } };
  }
  const ref = store.lookup(toHex(fields.refId));
  const record = ref?.post && ref.conv === conv.key ? await store.get(conv.key, ref.seq) : undefined;
  const message = record?.message;
  if (!ref || !record || !message?.post || message.deletion) return { ok: false, code: ErrorCode.CHAT_NOT_FOUND, detail: 'no such message here' };
  const own = ref.author === actor.publicKeyHex;
  const permission: ChatPermission = item.action === ChatAction.EDIT ? (own ? 'edit-own' : 'edit-other') : own ? 'delete-own' : 'delete-other';
  if (!policy(actor, permission, place)) return { ok: false, code: ErrorCode.CHAT_FORBIDDEN, detail: `${permission} not allowed`, denial: deps.explain?.(member, permission, place) };
  message.changedTimeMs = BigInt(now);
  if (item.action === ChatAction.EDIT) {
    message.edit = item;
  } else {
    message.deletion = item;
    message.edit = undefined;
    message.post.text = '';
  }
  return { ok: true, change: { kind: 'change', conv: conv.key, seq: ref.seq, author: actor.publicKeyHex, itemId: item.id, message } };
}
