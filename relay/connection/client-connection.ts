/**
 * One client connection: its WebSocket, where it is in the handshake, and the
 * per-connection limits. State moves only through `#setState`:
 *
 *   awaiting-auth -> authenticating -> authenticated -> closed
 *         \________________\_________________________/
 *
 * `closed` is entered once, whoever closes first (we or the peer), and that
 * single transition is what triggers the relay's cleanup.
 */
import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { CLOSE_SLOW_READER, encodeEnvelope, MAX_CONTROL_FRAME_BYTES, NONCE_BYTES } from '../../proto/index.ts';
import type { EnvelopeInit, ErrorCode } from '../../proto/index.ts';
import type { Clock, RelayLimits } from '../options.ts';
import { TokenBucket } from '../rate-limit.ts';
import { SendBudget } from './send-budget.ts';

/** Where a connection is in its life. */
export type SessionState = 'awaiting-auth' | 'authenticating' | 'authenticated' | 'closed';

/** Close codes. Refusals close with `4000 + ErrorCode`, so a client that lost the error frame still learns why. */
export const CloseCode = {
  /** Relay shutting down. */
  GoingAway: 1001,
  /** Base for refusals: the close code is `ProtocolErrorBase + ErrorCode`. */
  ProtocolErrorBase: 4000,
  /**
   * The session's voice worker process died (IANA "Service Restart"): the
   * client reconnects, as after any lost connection, and offers voice anew.
   */
  VoiceLost: 1012,
  /**
   * The relay is restarting (SIGTERM; IANA "Service Restart", same number as
   * VoiceLost): everything it accepted was acknowledged first; the client shows
   * "Relay restarting…" and reconnects at once to the next process.
   */
  Restart: 1012,
  /** No frame heard within the idle timeout. */
  Idle: 4100,
  /** The client did not read what the relay sent: over the send budget, or over the soft mark too long (see send-budget in ARCHITECTURE.md). */
  SlowReader: CLOSE_SLOW_READER,
} as const;

/** The close code that accompanies an `error` of `code`. */
export function closeCodeFor(code: ErrorCode): number {
  return CloseCode.ProtocolErrorBase + code;
}

const ALLOWED: Readonly<Record<SessionState, readonly SessionState[]>> = {
  'awaiting-auth': ['authenticating', 'closed'],
  authenticating: ['authenticated', 'closed'],
  authenticated: ['closed'],
  closed: [],
};

/** What a session reports to its owner. */
export interface SessionHooks {
  onFrame(session: Session, data: Uint8Array, isBinary: boolean): void;
  /** The socket errored (`ws` passes protocol violations such as oversize frames here). */
  onSocketError(session: Session, error: Error & { code?: string }): void;
  /** Entered `closed`. Called exactly once. */
  onClosed(session: Session, code: number, reason: string): void;
}

/** Dependencies of a {@link Session}. */
export interface SessionDeps {
  readonly connId: number;
  /** Where the connection comes from (see access/remote-address.ts): the key of lock-outs. */
  readonly remoteAddress: string;
  readonly clock: Clock;
  readonly limits: Pick<
    RelayLimits,
    'controlBurst' | 'controlPerSecond' | 'maxBadFrames' | 'maxRateLimitedFrames' | 'sendBudgetBytes' | 'sendSoftBytes' | 'sendStallMs' | 'maxRefusedWhileCongested' | 'closeGraceMs'
  >;
  readonly hooks: SessionHooks;
  /** Told the socket's buffered bytes after every send (relay.stats() keeps the peak). */
  readonly meter?: SendMeter;
}

/** Where a session reports its send buffer. */
export interface SendMeter {
  /** A frame of `frameBytes` was queued; the socket now holds `bufferedBytes` not yet taken by the kernel. */
  sent(frameBytes: number, bufferedBytes: number): void;
  /** A frame over MAX_CONTROL_FRAME_BYTES was built and not sent (the client would drop it): a relay bug, counted so a benchmark or test sees it. */
  oversized(frameBytes: number): void;
  /** An optional reply was refused with SLOW_DOWN. */
  slowDown(): void;
  /** The session was closed as a slow reader. */
  slowReaderClosed(): void;
}

/** A plain Uint8Array view (no copy), so decoded bytes fields are not Buffers with Buffer semantics. */
function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const buf = Array.isArray(data) ? Buffer.concat(data) : data;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * The TCP socket under a `ws` WebSocket, to cork it around a batch of sends.
 * `_socket` is `ws`'s own field (it has no public cork); undefined if absent.
 */
function socketOf(ws: WebSocket): { cork(): void; uncork(): void } | undefined {
  const tcp = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return typeof tcp?.cork === 'function' && typeof tcp.uncork === 'function' ? (tcp as { cork(): void; uncork(): void }) : undefined;
}

/** One WebSocket connection and its handshake state. */
export class Session {
  readonly connId: number;
  readonly remoteAddress: string;
  /** This connection's serverHello nonce; signed once, then consumed. */
  readonly nonce: Uint8Array = randomBytes(NONCE_BYTES);
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly #bucket: TokenBucket;
  #state: SessionState = 'awaiting-auth';
  #sessionId: number | undefined;
  #lastHeardAt: number;
  #badFrames = 0;
  #rateLimitedStreak = 0;
  #closeCode: number | undefined;
  #closeReason = '';
  /** Congestion of the send side (send-budget.ts). */
  readonly #budget: SendBudget;
  /** Frames queued by {@link Session.enqueue}, sent at the next {@link Session.flush} or direct send. */
  #queued: Uint8Array[] = [];

  constructor(ws: WebSocket, deps: SessionDeps) {
    this.#ws = ws;
    this.#deps = deps;
    this.connId = deps.connId;
    this.remoteAddress = deps.remoteAddress;
    this.#bucket = new TokenBucket(deps.clock, deps.limits.controlBurst, deps.limits.controlPerSecond);
    this.#budget = new SendBudget(deps.limits, deps.clock);
    this.#lastHeardAt = deps.clock.now();
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (this.#state === 'closed') return;
      this.#lastHeardAt = deps.clock.now();
      deps.hooks.onFrame(this, toBytes(data), isBinary);
    });
    ws.on('error', (error: Error & { code?: string }) => deps.hooks.onSocketError(this, error));
    ws.on('close', (code: number, reason: Buffer) => {
      this.#setState('closed', this.#closeCode ?? code, this.#closeCode === undefined ? reason.toString('utf8') : this.#closeReason);
    });
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Set once authenticated. */
  get sessionId(): number | undefined {
    return this.#sessionId;
  }

  /** Clock time of the last frame received. */
  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }

  /** awaiting-auth -> authenticating. False if the nonce was already used (a second clientAuth). */
  beginAuth(): boolean {
    return this.#setState('authenticating');
  }

  /** authenticating -> authenticated with `sessionId`. False if the connection closed meanwhile. */
  authenticated(sessionId: number): boolean {
    if (this.#state !== 'authenticating') return false;
    this.#sessionId = sessionId;
    return this.#setState('authenticated');
  }

  /** Takes a control-frame token; on an empty bucket reports whether this is the first drop of a streak or the socket should go. */
  takeFrameToken(): 'ok' | 'first-drop' | 'drop' | 'sustained' {
    if (this.#bucket.take()) {
      this.#rateLimitedStreak = 0;
      return 'ok';
    }
    this.#rateLimitedStreak++;
    if (this.#rateLimitedStreak > this.#deps.limits.maxRateLimitedFrames) return 'sustained';
    return this.#rateLimitedStreak === 1 ? 'first-drop' : 'drop';
  }

  /** Counts a bad frame; true when the connection has now sent too many and should be closed. */
  noteBadFrame(): boolean {
    return ++this.#badFrames >= this.#deps.limits.maxBadFrames;
  }

  /** Sends one control message if the socket is open. Never throws. */
  send(msg: EnvelopeInit): void {
    this.sendEncoded(encodeEnvelope(msg));
  }

  /**
   * Sends an already encoded Envelope (broadcasts encode once). Never throws.
   * A frame that would take the socket's unsent bytes over `sendBudgetBytes`
   * is not queued: the client is not reading, so it is closed as a slow
   * reader instead, which keeps what one client costs the relay bounded.
   */
  sendEncoded(frame: Uint8Array): void {
    this.flush();
    this.#sendNow(frame);
  }

  /**
   * Queues an encoded frame for the next {@link Session.flush} (the roster's
   * presence broadcasts, flushed once per event-loop turn). Any direct send
   * flushes the queue first, so this client still sees frames in the order
   * they were made. True if the queue was empty (the caller should schedule a flush).
   */
  enqueue(frame: Uint8Array): boolean {
    if (this.#state === 'closed') return false;
    this.#queued.push(frame);
    return this.#queued.length === 1;
  }

  /**
   * Sends the queued frames with the TCP socket corked, so they leave in one
   * write: a burst of sign-ins costs each other client one syscall per turn,
   * not one per UserJoined (docs/BENCHMARKS.md "Sign-in at organisation scale").
   */
  flush(): void {
    if (this.#queued.length === 0) return;
    const frames = this.#queued;
    this.#queued = [];
    const tcp = socketOf(this.#ws);
    tcp?.cork();
    try {
      for (const frame of frames) this.#sendNow(frame);
    } finally {
      tcp?.uncork();
    }
  }

  #sendNow(frame: Uint8Array): void {
    if (this.#state === 'closed' || this.#ws.readyState !== this.#ws.OPEN) return;
    if (frame.byteLength > MAX_CONTROL_FRAME_BYTES) {
      this.#deps.meter?.oversized(frame.byteLength);
      return;
    }
    if (this.#budget.overBudget(this.#ws.bufferedAmount, frame.byteLength)) {
      this.#closeSlowReader('send buffer over budget');
      return;
    }
    try {
      this.#ws.send(frame);
    } catch {
      this.close(1011, 'send failed');
      return;
    }
    const buffered = this.#ws.bufferedAmount;
    this.#deps.meter?.sent(frame.byteLength, buffered);
    this.#budget.note(buffered);
  }

  /**
   * Sends an optional reply (a history page: the client can ask again) only
   * while the socket is under the soft mark with it; otherwise refuses it with
   * the small `refusal` built by the caller (a SLOW_DOWN answer). True if sent.
   */
  sendOptional(msg: EnvelopeInit, refusal: () => EnvelopeInit): boolean {
    return this.sendOptionalEncoded(encodeEnvelope(msg), refusal);
  }

  /** {@link Session.sendOptional} for an already encoded frame (history pages framed around stored bytes). */
  sendOptionalEncoded(frame: Uint8Array, refusal: () => EnvelopeInit): boolean {
    if (!this.hasRoomForOptional(frame.byteLength)) {
      this.refuseOptional(refusal());
      return false;
    }
    this.sendEncoded(frame);
    return true;
  }

  /**
   * Whether an optional reply of up to `bytes` would stay under the soft mark
   * now. Ask before reading the store for one, so a slow reader's requests
   * cost no reads and no buffers; false also starts a congestion episode.
   */
  hasRoomForOptional(bytes: number): boolean {
    return this.#budget.hasRoomForOptional(this.#ws.bufferedAmount, bytes);
  }

  /**
   * The one way to refuse an optional request: sends `refusal` (a SLOW_DOWN
   * answer). While congested, the `maxRefusedWhileCongested`-th refusal closes
   * the client as a slow reader at once (it keeps asking and does not read).
   */
  refuseOptional(refusal: EnvelopeInit): void {
    this.#deps.meter?.slowDown();
    if (this.#budget.refuse(this.#ws.bufferedAmount)) {
      this.#closeSlowReader('kept asking while not reading');
      return;
    }
    this.send(refusal);
  }

  /** True while the socket is congested (send-budget.ts): optional work for this client should wait. */
  get congested(): boolean {
    return this.#budget.congested(this.#ws.bufferedAmount);
  }

  /**
   * Liveness of the send side (the heartbeat calls it): closes the session as
   * a slow reader when it has stayed congested for `sendStallMs` without
   * draining to half the soft mark. True if it was closed.
   */
  checkDrain(now: number): boolean {
    if (this.#state === 'closed' || !this.#budget.stalled(this.#ws.bufferedAmount, now)) return false;
    this.#closeSlowReader('send buffer not draining');
    return true;
  }

  /** Sends an `error` frame without closing; `untilMs` is the end of a ban or lock-out. */
  sendError(code: ErrorCode, message: string, context = '', untilMs = 0): void {
    this.send({ case: 'error', value: { code, message, context, untilMs: BigInt(untilMs) } });
  }

  /** Sends an `error` frame, then closes with `4000 + code`. */
  refuse(code: ErrorCode, message: string, context = '', untilMs = 0): void {
    this.sendError(code, message, context, untilMs);
    this.close(closeCodeFor(code), message);
  }

  /** Closes the socket (the close frame follows any queued sends) and enters `closed` now. */
  close(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    this.flush();
    this.#closeCode = code;
    // The close reason must fit a control frame (123 bytes); ours are short, but trim anyway.
    this.#closeReason = reason.slice(0, 100);
    try {
      this.#ws.close(code, this.#closeReason);
    } catch {
      this.#ws.terminate();
    }
    this.#setState('closed', code, this.#closeReason);
  }

  /**
   * Closes with {@link CloseCode.SlowReader}. The close frame queues behind
   * what the client has not read; if the handshake has not finished after
   * `closeGraceMs` the socket is dropped, freeing its buffer.
   */
  #closeSlowReader(reason: string): void {
    if (this.#state === 'closed') return;
    this.#deps.meter?.slowReaderClosed();
    this.close(CloseCode.SlowReader, reason);
    const timer = setTimeout(() => this.#ws.terminate(), this.#deps.limits.closeGraceMs);
    timer.unref();
    this.#ws.once('close', () => clearTimeout(timer));
  }

  /** Drops the TCP connection without a close handshake (shutdown stragglers). */
  terminate(): void {
    this.#ws.terminate();
  }

  /** Resolves when the underlying socket has fully closed. */
  whenSocketClosed(): Promise<void> {
    if (this.#ws.readyState === this.#ws.CLOSED) return Promise.resolve();
    return new Promise((resolve) => this.#ws.once('close', () => resolve()));
  }

  /** The single state-change point. False (and no effect) if the transition is not allowed. */
  #setState(next: SessionState, code = 0, reason = ''): boolean {
    if (!ALLOWED[this.#state].includes(next)) return false;
    this.#state = next;
    if (next === 'closed') this.#deps.hooks.onClosed(this, code, reason);
    return true;
  }
}
