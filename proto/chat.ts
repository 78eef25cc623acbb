/**
 * Chat rules both ends apply: text limits, the shape of a `ChatItem`, and the
 * mapping from a wire item to its signing fields. Pure; the relay answers a
 * failed check with the returned `ErrorCode`, the client checks before it
 * signs so the relay never has to refuse an honest client.
 */
import { KEY_BYTES, SIGNATURE_BYTES } from './auth-transcript.ts';
import { CHAT_ID_BYTES, ChatActionCode, MAX_CHAT_ROOM_ID_BYTES } from './chat-signing.ts';
import type { ChatSigningFields, SigningTarget } from './chat-signing.ts';
import { ChatAction, ErrorCode } from './gen/parley_pb.ts';
import type { ChatItem, ChatTarget } from './gen/parley_pb.ts';

/** Most characters (Unicode code points) in one message: Mumble's default `textmessagelength`. */
export const MAX_CHAT_CHARS = 5000;

/** Why a text cannot be sent. */
export type ChatTextProblem = 'empty' | 'too-long' | 'control-character';

/** C0 controls other than tab and newline, DEL, and C1 controls. */
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

/** Number of Unicode code points in `text` (what "characters" means in the limit). */
export function chatCharCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** What is wrong with `text` as a message body, or null if it may be sent. */
export function chatTextProblem(text: string): ChatTextProblem | null {
  if (text.trim() === '') return 'empty';
  if (text.length > MAX_CHAT_CHARS * 2 || chatCharCount(text) > MAX_CHAT_CHARS) return 'too-long';
  if (FORBIDDEN_CONTROL.test(text)) return 'control-character';
  return null;
}

/**
 * What the client does to typed text before signing: line breaks become
 * `\n`, other control characters go, lone surrogates become U+FFFD (so the
 * signed UTF-8 is exactly what the wire carries), outer whitespace is trimmed.
 */
export function normalizeChatText(text: string): string {
  const wellFormed = new TextDecoder().decode(new TextEncoder().encode(text));
  return wellFormed
    .replace(/\r\n?/g, '\n')
    .replace(new RegExp(FORBIDDEN_CONTROL.source, 'gu'), '')
    .trim();
}

/** A chat target in the client's and relay's terms. */
export function signingTarget(target: ChatTarget | undefined): SigningTarget | null {
  const to = target?.to;
  if (to?.case === 'roomId') return { kind: 'room', roomId: to.value };
  if (to?.case === 'peerKey') return { kind: 'direct', peerKey: to.value };
  return null;
}

/** Result of {@link checkChatItem}. */
export type ChatItemCheck =
  | { readonly ok: true; readonly fields: ChatSigningFields }
  | { readonly ok: false; readonly code: ErrorCode; readonly detail: string };

const fail = (code: ErrorCode, detail: string): ChatItemCheck => ({ ok: false, code, detail });

/**
 * Checks every field of a wire `ChatItem` for shape and limits (not the
 * signature, not permissions) and returns its signing fields.
 * Over-long text is `TOO_LARGE`; everything else malformed is `BAD_REQUEST`.
 */
export function checkChatItem(item: ChatItem | undefined, relayKey: Uint8Array): ChatItemCheck {
  if (!item) return fail(ErrorCode.BAD_REQUEST, 'missing item');
  const action =
    item.action === ChatAction.POST ? ChatActionCode.post : item.action === ChatAction.EDIT ? ChatActionCode.edit : item.action === ChatAction.DELETE ? ChatActionCode.delete : null;
  if (action === null) return fail(ErrorCode.BAD_REQUEST, 'unknown action');
  if (item.id.byteLength !== CHAT_ID_BYTES) return fail(ErrorCode.BAD_REQUEST, `id must be ${CHAT_ID_BYTES} bytes`);
  if (item.authorKey.byteLength !== KEY_BYTES) return fail(ErrorCode.BAD_REQUEST, 'author key must be 32 bytes');
  if (item.signature.byteLength !== SIGNATURE_BYTES) return fail(ErrorCode.BAD_REQUEST, 'signature must be 64 bytes');
  const target = signingTarget(item.target);
  if (!target) return fail(ErrorCode.BAD_REQUEST, 'missing target');
  if (target.kind === 'room') {
    const length = new TextEncoder().encode(target.roomId).byteLength;
    if (length === 0 || length > MAX_CHAT_ROOM_ID_BYTES) return fail(ErrorCode.BAD_REQUEST, 'room id length out of range');
  } else if (target.peerKey.byteLength !== KEY_BYTES) {
    return fail(ErrorCode.BAD_REQUEST, 'peer key must be 32 bytes');
  }
  let refId: Uint8Array;
  if (action === ChatActionCode.post) {
    if (item.refId.byteLength !== 0) return fail(ErrorCode.BAD_REQUEST, 'a post has no ref id');
    refId = new Uint8Array(CHAT_ID_BYTES);
  } else {
    if (item.refId.byteLength !== CHAT_ID_BYTES) return fail(ErrorCode.BAD_REQUEST, `ref id must be ${CHAT_ID_BYTES} bytes`);
    refId = item.refId;
  }
  if (action === ChatActionCode.delete) {
    if (item.text !== '') return fail(ErrorCode.BAD_REQUEST, 'a delete has no text');
  } else {
    const problem = chatTextProblem(item.text);
    if (problem === 'too-long') return fail(ErrorCode.TOO_LARGE, `text over ${MAX_CHAT_CHARS} characters`);
    if (problem) return fail(ErrorCode.BAD_REQUEST, `text: ${problem}`);
  }
  return {
    ok: true,
    fields: { relayKey, action, id: item.id, authorKey: item.authorKey, target, clientTimeMs: item.clientTimeMs, refId, text: item.text },
  };
}
