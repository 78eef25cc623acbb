/**
 * Builds and signs one chat item from what the user did: normalises the
 * text, checks it, lays out the signed bytes (proto/chat-signing.ts) and signs
 * them with the identity Signer. Pure apart from the signer.
 */
import { create } from '@bufbuild/protobuf';
import { ChatAction, ChatActionCode, ChatItemSchema, CHAT_ID_BYTES, chatSigningBytes, chatTextProblem, normalizeChatText } from '../../../proto/index.ts';
import type { ChatItem, FileManifest, SigningTarget } from '../../../proto/index.ts';
import type { Signer } from '../../../keys/index.ts';
import { parseConversationKey } from './chat-state.ts';
import type { ConversationKey } from './chat-state.ts';
import { fromHex } from '../../../proto/bytes.ts';


/** The wire target of a conversation key, or null for a malformed key. */
export function targetOf(conversation: ConversationKey): SigningTarget | null {
  const place = parseConversationKey(conversation);
  if (!place) return null;
  return place.kind === 'room' ? { kind: 'room', roomId: place.roomId } : { kind: 'direct', peerKey: fromHex(place.peerKeyHex) };
}

/** What to compose. */
export interface ComposeRequest {
  readonly conversation: ConversationKey;
  readonly action: ChatActionCode;
  /** As typed; ignored for a delete. */
  readonly text: string;
  /** Hex id of the message edited or deleted; null for a post. */
  readonly refHex: string | null;
  readonly relayKey: Uint8Array;
  readonly id: Uint8Array;
  readonly clientTimeMs: number;
  /** A shared file's signed manifest (posts only; its file id is `id`). */
  readonly file?: FileManifest;
}

/**
 * Checks the request and returns a function that signs it, or null when it
 * cannot be sent (empty or over-long text, bad key or id). Splitting check
 * from signing lets the caller queue the signing in typing order.
 */
export function prepareChatItem(request: ComposeRequest, signer: Signer): (() => Promise<ChatItem>) | null {
  const { action, refHex, relayKey, id } = request;
  const target = targetOf(request.conversation);
  const text = action === ChatActionCode.delete ? '' : normalizeChatText(request.text);
  if (!target || (action !== ChatActionCode.delete && chatTextProblem(text) !== null)) return null;
  if ((refHex === null) !== (action === ChatActionCode.post) || (refHex !== null && !/^[0-9a-f]{32}$/.test(refHex))) return null;
  const refId = refHex === null ? new Uint8Array(CHAT_ID_BYTES) : fromHex(refHex);
  const clientTimeMs = BigInt(request.clientTimeMs);
  const authorKey = signer.publicKey;
  return async () =>
    create(ChatItemSchema, {
      action: action === ChatActionCode.post ? ChatAction.POST : action === ChatActionCode.edit ? ChatAction.EDIT : ChatAction.DELETE,
      id,
      authorKey,
      target: target.kind === 'room' ? { to: { case: 'roomId', value: target.roomId } } : { to: { case: 'peerKey', value: target.peerKey } },
      clientTimeMs,
      refId: refHex === null ? new Uint8Array(0) : refId,
      text,
      ...(request.file && action === ChatActionCode.post ? { file: request.file } : {}),
      signature: await signer.sign(chatSigningBytes({ relayKey, action, id, authorKey, target, clientTimeMs, refId, text })),
    });
}
