/**
 * The relay's typed events: what happened, as structured payloads. The log
 * adapter (log.ts) turns them into lines; tests and embedders subscribe
 * directly. Payloads never carry secrets (no passwords, no signatures).
 */
import type { ErrorCode } from '../proto/index.ts';
import type { VoiceLoad } from './voice/load-report.ts';
import type { DatagramDropReason, FrameDropReason } from './stats-types.ts';

/** Event name -> payload. */
export interface RelayEventPayloads {
  /** The HTTP/WebSocket server is listening. */
  listening: { readonly url: string; readonly port: number };
  /** A WebSocket connected; `connId` numbers connections for logs. */
  'connection-opened': { readonly connId: number; readonly remote: string };
  /** A WebSocket closed; `sessionId` is set if it had authenticated. */
  'connection-closed': {
    readonly connId: number;
    readonly sessionId: number | undefined;
    readonly code: number;
    readonly reason: string;
  };
  /** A connection passed the handshake and joined the presence list. */
  authenticated: {
    readonly connId: number;
    readonly sessionId: number;
    readonly displayName: string;
    /** First 16 hex digits of the public key, enough to tell users apart in logs. */
    readonly keyPrefix: string;
    readonly roomId: string;
    /** `guest`, `member` or `admin`. */
    readonly role: string;
    /** Hex id of the invite this sign-in used, if it granted a role. */
    readonly inviteId: string | undefined;
  };
  /** A clientAuth was refused (or timed out) with `code`. */
  'auth-refused': { readonly connId: number; readonly code: ErrorCode; readonly detail: string };
  /** An address reached the failure limit and is refused until `untilMs`. */
  'address-locked': { readonly address: string; readonly untilMs: number };
  /** An admin did something (`action`: register-invite, revoke-invite, kick, ban, lift-ban, set-role). */
  'admin-action': { readonly byKeyPrefix: string; readonly action: string; readonly target: string };
  /** A session changed its display name. */
  renamed: { readonly sessionId: number; readonly displayName: string };
  /** A session moved to another room. */
  'room-changed': { readonly sessionId: number; readonly from: string; readonly to: string };
  /** Cluster: a user shown from another relay left room `from` (moved, to `to`, or gone: null). Not a local move: nothing here acts for that session. */
  'remote-left': { readonly sessionId: number; readonly from: string; readonly to: string | null };
  /** An admin changed a signed-in session's role (per-room permissions are re-evaluated). */
  'role-changed': { readonly sessionId: number };
  /** A batch of room-tree ops is durable and applied: these rooms were added, changed or deleted. */
  'tree-changed': { readonly rooms: readonly string[] };
  /** A key was admitted to token groups, by room password or room invite (null: a password changed, anyone's grants may be gone). */
  'grants-changed': { readonly keyHex: string | null };
  /** Per-room permissions refused an action (relay/perms/). */
  'permission-denied': { readonly sessionId: number; readonly permission: string; readonly roomId: string; readonly ruleId: string };
  /** A session's voice DataChannel is open and bound. */
  'voice-ready': { readonly sessionId: number };
  /** A voice worker process is running and ready (at start, and after each respawn). */
  'voice-worker-up': { readonly index: number; readonly pid: number };
  /**
   * A voice worker process exited unexpectedly (exit `code`, or the `signal`
   * that killed it). Its `sessions` lost voice and were told to reconnect; the
   * slot is respawned.
   */
  'voice-worker-exited': { readonly index: number; readonly pid: number; readonly code: number | null; readonly signal: string | null; readonly sessions: number };
  /** Every `loadReportIntervalMs` with voice traffic or drops: what was forwarded and dropped (load-report.ts). */
  'voice-load': VoiceLoad;
  /** A signed op got its verdict: `code` is the refusal reason, or `accepted` (metrics count these). */
  'op-verdict': { readonly code: string };
  /** A chat item was stored and acknowledged (`action`: post, edit or delete). */
  'chat-stored': { readonly action: 'post' | 'edit' | 'delete' };
  /** A frame or datagram was dropped; `id` is the connection id (frames) or session id (datagrams). */
  drop: {
    readonly kind: 'frame' | 'datagram';
    readonly reason: FrameDropReason | DatagramDropReason;
    readonly id: number;
    readonly detail: string;
  };
  /** Something threw where it should not have; the relay kept running. */
  'internal-error': { readonly where: string; readonly error: unknown };
  /** Cluster: a batch could not be appended to the shared log (its ops were answered CLUSTER_UNAVAILABLE). */
  'cluster-append-failed': { readonly error: unknown };
  /** Cluster: this relay's part changed (`writer` holds the lease and is caught up; `follower`; `unavailable`: NATS unreachable). */
  'cluster-role': { readonly role: 'writer' | 'follower' | 'unavailable'; readonly logSeq: number };
  /** Cluster: this relay applied the shared log up to `logSeq`. */
  'cluster-applied': { readonly logSeq: number };
  /** Cluster: the voice link to relay `peer` opened or went down (relay/cluster/relay-links.ts). */
  'cluster-link': { readonly peer: string; readonly up: boolean };
  /** Cluster: a voice link could not be made or an offer was refused (the link is offered again while wanted). */
  'cluster-link-failed': { readonly where: string; readonly error: unknown };
}

/** Event name -> listener, for the shared emitter (proto/typed-emitter.ts): one payload object per event. */
export type RelayEvents = { [K in keyof RelayEventPayloads]: (payload: RelayEventPayloads[K]) => void };
