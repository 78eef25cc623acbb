/**
 * Signed chat items made the way a client makes them (node:crypto Ed25519
 * over proto/chat-signing.ts), and small send-and-wait helpers for relay
 * tests.
 */
import { randomBytes, sign } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ChatAction, chatSigningBytes, ChatActionCode, CHAT_ID_BYTES } from '../../proto/index.ts';
import type { ChatAck, ChatHistory, ChatItemSchema, SigningTarget } from '../../proto/index.ts';
import { rawPublicKeyOf } from './relay-client.ts';
import type { TestClient } from './relay-client.ts';

/** A ChatItem as sent. */
export type ChatItemInit = MessageInitShape<typeof ChatItemSchema>;

/** What to sign; everything else gets a sensible default. */
export interface ItemSpec {
  readonly action?: 'post' | 'edit' | 'delete';
  readonly target: SigningTarget;
  readonly text?: string;
  readonly refId?: Uint8Array;
  readonly id?: Uint8Array;
  readonly clientTimeMs?: bigint;
}

export const room = (roomId: string): SigningTarget => ({ kind: 'room', roomId });
export const direct = (peerKey: Uint8Array): SigningTarget => ({ kind: 'direct', peerKey });

/** Builds and signs an item as `client`. */
export function signedItem(client: TestClient, spec: ItemSpec): ChatItemInit {
  const action = spec.action ?? 'post';
  const id = spec.id ?? new Uint8Array(randomBytes(CHAT_ID_BYTES));
  const authorKey = rawPublicKeyOf(client.key);
  const text = spec.text ?? (action === 'delete' ? '' : 'hello');
  const clientTimeMs = spec.clientTimeMs ?? BigInt(Date.now());
  const refId = spec.refId ?? new Uint8Array(0);
  const bytes = chatSigningBytes({
    relayKey: client.hello.relayPublicKey,
    action: ChatActionCode[action],
    id,
    authorKey,
    target: spec.target,
    clientTimeMs,
    refId: refId.byteLength ? refId : new Uint8Array(CHAT_ID_BYTES),
    text,
  });
  return {
    action: action === 'post' ? ChatAction.POST : action === 'edit' ? ChatAction.EDIT : ChatAction.DELETE,
    id,
    authorKey,
    target: spec.target.kind === 'room' ? { to: { case: 'roomId', value: spec.target.roomId } } : { to: { case: 'peerKey', value: spec.target.peerKey } },
    clientTimeMs,
    refId,
    text,
    signature: new Uint8Array(sign(null, bytes, client.key)),
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Sends `item` and resolves with its ack. */
export async function sendItem(client: TestClient, item: ChatItemInit): Promise<ChatAck> {
  client.send({ case: 'chatSend', value: { item } });
  return client.next('chatAck', (a) => sameBytes(a.id, item.id as Uint8Array));
}

/** Signs, sends, and resolves with the item and its ack. */
export async function chat(client: TestClient, spec: ItemSpec): Promise<{ item: ChatItemInit; ack: ChatAck }> {
  const item = signedItem(client, spec);
  return { item, ack: await sendItem(client, item) };
}

let nextRequest = 1;

/** Requests a history page and resolves with the answer. */
export async function history(client: TestClient, target: SigningTarget, beforeSeq = 0n, limit = 0): Promise<ChatHistory> {
  const requestId = nextRequest++;
  client.send({
    case: 'chatHistoryRequest',
    value: {
      requestId,
      target: target.kind === 'room' ? { to: { case: 'roomId', value: target.roomId } } : { to: { case: 'peerKey', value: target.peerKey } },
      beforeSeq,
      limit,
    },
  });
  return client.next('chatHistory', (h) => h.requestId === requestId);
}

/** Texts of a history page (deleted ones as `(deleted)`, edited ones show the edit). */
export function texts(page: ChatHistory): string[] {
  return page.messages.map((m) => (m.deletion ? '(deleted)' : (m.edit?.text ?? m.post?.text ?? '')));
}
