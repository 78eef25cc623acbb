/**
 * The relay's counters as plain data: every reason a frame or datagram can be dropped, and
 * the `relay.stats()` snapshot. Kept apart from the counting (`stats.ts`, which emits `drop`
 * events) so that the event map (`events.ts`) and the load report (`load-report.ts`) can name
 * these types without importing the module that imports them.
 */
import type { VoiceWorkerStats } from './voice/plane.ts';
import type { FileStats } from './files/file-stats.ts';

/** Why a control (WebSocket) frame was dropped. */
export const FRAME_DROP_REASONS = [
  /** Binary frame that is not a decodable Envelope (or is empty). */
  'malformed',
  /** A text WebSocket frame; the protocol is binary only. */
  'text-frame',
  /** Frame over MAX_CONTROL_FRAME_BYTES; `ws` closes the socket with 1009. */
  'too-large',
  /** Envelope without a message this relay knows. */
  'unknown-message',
  /** Anything but clientAuth/ping before authentication (socket is closed). */
  'before-auth',
  /** A relay-only message from a client, or a request with invalid content. */
  'bad-request',
  /** Over the per-connection control-frame token bucket. */
  'rate-limited',
  /** A clientAuth that failed verification. */
  'auth-refused',
  /** A second clientAuth on one connection. */
  'already-authenticated',
  /** joinRoom naming a room that does not exist. */
  'unknown-room',
  /** joinRoom into a room at its user limit. */
  'room-full',
  /** WebSocket protocol violation other than size (bad opcode, bad UTF-8, ...). */
  'ws-protocol',
  /** A handler threw; the frame was dropped and the process kept running. */
  'internal-error',
  /** A chat item or history request refused (bad shape, signature, rate, permission); answered with its code. */
  'chat-refused',

  /** A signed op the pipeline refused (one count per op; the author gets the code). */
  'op-refused',
  /** A client sent a Yjs SyncStep2/Update: clients are read-only replicas, so it is ignored. */
  'read-only-sync',
  /** Per-room permissions refused a request (answered PERMISSION_DENIED with the deciding rule). */
  'permission-denied',
  /** A room password that did not match (counted by the address lock-out). */
  'room-password-wrong',
  /** A room invite refused (invalid, expired or used up; an invalid one counts towards the address lock-out). */
  'room-invite-refused',
  /** A room password from an address locked out for wrong passwords. */
  'locked-out',
] as const;
export type FrameDropReason = (typeof FRAME_DROP_REASONS)[number];

/** Why a voice datagram was dropped. */
export const DATAGRAM_DROP_REASONS = [
  /** Over MAX_UPLINK_BYTES. */
  'too-large',
  /** First byte is neither keep-alive nor voice. */
  'unknown-kind',
  /** Keep-alive with payload, or voice with no Opus bytes. */
  'bad-length',
  /** Zero-length message. */
  'empty',
  /** A string message on the voice channel. */
  'not-binary',
  /** Arrived on a channel whose session is gone or not authenticated. */
  'unauthenticated',
  /** Keep-alives are counted here and dropped: they only keep NAT bindings open. */
  'keepalive',
  /** Voice from a sender who is muted (or deafened, which implies muted). */
  'muted',
  /** Over the sender's datagram token bucket. */
  'rate-limited',
  /** Older than `maxDatagramAgeMs` when the relay got to it (a backlog formed); see staleness.ts. */
  'stale',
  /** One recipient skipped because its DataChannel buffer was over the cap. */
  'send-buffer-full',
  /** One recipient skipped because the native send threw (channel closing). */
  'send-failed',
] as const;
export type DatagramDropReason = (typeof DATAGRAM_DROP_REASONS)[number];

/** Snapshot returned by `relay.stats()`. */
export interface RelayStats {
  readonly frames: Readonly<Record<FrameDropReason, number>>;
  readonly datagrams: Readonly<Record<DatagramDropReason, number>>;
  /** Voice frames sent to recipients (one per recipient and frame, bundled or not). */
  readonly forwarded: number;
  /** Of `forwarded`, frames that went out packed with others in BUNDLE datagrams (relay under load). */
  readonly bundled: number;
  /** Per voice worker process (empty when voice runs in the main process); already included in the totals above. */
  readonly voiceWorkers: readonly VoiceWorkerStats[];
  /** Back-pressure on control sockets (relay/connection/client-connection.ts). */
  readonly controlSend: ControlSendStats;
  /** File sharing (relay/files): tracker and fallback byte counters; set by createRelay. */
  readonly files?: FileStats;
}

/** What the per-connection send budget did. */
export interface ControlSendStats {
  /** Most unsent bytes any one control socket held right after a send, since start. Never above `sendBudgetBytes`. */
  readonly peakBufferedBytes: number;
  /** Optional replies refused with SLOW_DOWN. */
  readonly slowDowns: number;
  /** Connections closed as slow readers (close code 4101). */
  readonly slowReadersClosed: number;
  /** Largest control frame sent, bytes (at most MAX_CONTROL_FRAME_BYTES). */
  readonly largestFrameBytes: number;
  /** Frames over MAX_CONTROL_FRAME_BYTES the relay built and did not send (should stay 0: proto/frame-limits.ts). */
  readonly oversizedFrames: number;
}
