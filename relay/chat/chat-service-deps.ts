/**
 * What a `ChatService` is given (stores, presence, policy, limits, and
 * in a cluster the writer's hooks), and the writer's verdict it answers with.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ChatItem, ErrorCode, PermissionDenialSchema } from '../../proto/index.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock } from '../options.ts';
import type { Member, Presence } from '../presence/presence.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';
import type { ChatPermission, ChatPlace, ChatPolicy } from './authorize.ts';
import type { ChatChange, ChatRefusal } from './chat-judge.ts';
import type { ChatLimits } from './chat-limits.ts';
import type { ChatStore } from './chat-store.ts';

/** Dependencies of a `ChatService`. */
export interface ChatServiceDeps {
  readonly store: ChatStore;
  readonly presence: Presence;
  /** Authenticated sessions (live delivery). */
  readonly sessions: () => Iterable<Session>;
  readonly relayKey: Uint8Array;
  readonly clock: Clock;
  readonly limits: ChatLimits;
  readonly policy: ChatPolicy;
  /** The detail of a refusal by `policy` in a room (per-room permissions: the deciding rule); optional. */
  readonly explain?: (member: Member, action: ChatPermission, place: ChatPlace) => MessageInitShape<typeof PermissionDenialSchema> | undefined;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  /** Last known display name of a key (direct-conversation heads). */
  readonly displayNameOf: (publicKeyHex: string) => string | undefined;
  /** Bytes of heads one ChatSummary page may carry (proto/paging.ts). */
  readonly pageBytes: number;
  /**
   * Whether a session may see a room (relay/visibility/). A room it may not
   * see does not exist for it: posts and history are answered UNKNOWN_ROOM,
   * its chat is left out of the summary and never delivered. Absent: every room.
   */
  readonly sees?: (session: Session, roomId: string) => boolean;
  /** Extra check of an item's attachment (a shared file's manifest); null when fine. */
  readonly checkItem?: (item: ChatItem) => { readonly code: ErrorCode; readonly detail: string } | null;
  /** Whether a room's chat is never stored (a temporary room; see the module comment). Absent: none. */
  readonly liveOnly?: (roomId: string) => boolean;
  /** Cluster (relay/cluster/shared-state.ts): has the writer decide an item that passed the edge checks; absent: decided here. */
  readonly forward?: (member: Member, item: ChatItem) => Promise<ChatVerdict>;
  /** Cluster, on the writer: makes a decided change durable in the shared log, which applies it on every relay (`ChatService.applyChange`). */
  readonly commit?: (change: ChatChange) => Promise<void>;
}

/** The writer's verdict on one item (a cluster): code 0 with the message's seq, or the refusal. */
export interface ChatVerdict extends ChatRefusal {
  readonly seq: number;
  /** RATE_LIMITED: ms until the key's bucket on the writer has a token again. */
  readonly retryAfterMs?: number;
}
