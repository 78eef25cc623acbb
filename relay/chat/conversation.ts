/**
 * Conversations: a room's chat or the direct conversation between two keys.
 * Each has a storage key made only of `[rd0-9a-f]` characters, so it can sit
 * inside LevelDB keys with `:` separators without ever matching a prefix of
 * another conversation's range.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ChatTargetSchema, SigningTarget } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';

/** A room chat or a two-person conversation. */
export type Conversation =
  | { readonly kind: 'room'; readonly key: string; readonly roomId: string }
  /** `a` < `b`: the two parties' public keys in lower-case hex. */
  | { readonly kind: 'direct'; readonly key: string; readonly a: string; readonly b: string };


/** The chat of room `roomId`. */
export function roomConversation(roomId: string): Conversation {
  return { kind: 'room', key: `r${Buffer.from(roomId, 'utf8').toString('hex')}`, roomId };
}

/** The direct conversation of two keys (hex), in either order. */
export function directConversation(x: string, y: string): Conversation {
  const [a, b] = x < y ? [x, y] : [y, x];
  return { kind: 'direct', key: `d${a}${b}`, a, b };
}

/** The conversation `target` names, as seen by the user with key `selfHex`. */
export function conversationOf(target: SigningTarget, selfHex: string): Conversation {
  return target.kind === 'room' ? roomConversation(target.roomId) : directConversation(selfHex, toHex(target.peerKey));
}

/** Parses a storage key back (at load). Undefined for keys this build did not write. */
export function conversationFromKey(key: string): Conversation | undefined {
  if (/^r(?:[0-9a-f]{2})+$/.test(key)) return roomConversation(Buffer.from(key.slice(1), 'hex').toString('utf8'));
  if (/^d[0-9a-f]{128}$/.test(key)) return directConversation(key.slice(1, 65), key.slice(65));
  return undefined;
}

/** The wire target of `conv` for the viewer `selfHex` (a direct one names the other party). */
export function targetFor(conv: Conversation, selfHex: string): MessageInitShape<typeof ChatTargetSchema> {
  if (conv.kind === 'room') return { to: { case: 'roomId', value: conv.roomId } };
  const peer = conv.a === selfHex ? conv.b : conv.a;
  return { to: { case: 'peerKey', value: new Uint8Array(Buffer.from(peer, 'hex')) } };
}
