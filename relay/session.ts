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
import { encodeEnvelope, NONCE_BYTES } from '../proto/index.ts';
import type { EnvelopeInit, ErrorCode } from '../proto/index.ts';
import type { Clock, RelayLimits } from './options.ts';
import { TokenBucket } from './rate-limit.ts';

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
  /** No frame heard within the idle timeout. */
  Idle: 4100,
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
  /** A frame of `bytes` was handed to the socket (the relay's largest-frame statistic). */
  onSent?(bytes: number): void;
}

/** Dependencies of a {@link Session}. */
export interface SessionDeps {
  readonly connId: number;
  /** Where the connection comes from (see access/remote-address.ts): the key of lock-outs. */
  readonly remoteAddress: string;
  readonly clock: Clock;
  readonly limits: Pick<RelayLimits, 'controlBurst' | 'controlPerSecond' | 'maxBadFrames' | 'maxRateLimitedFrames'>;
  readonly hooks: SessionHooks;
}

/** A plain Uint8Array view (no copy), so decoded bytes fields are not Buffers with Buffer semantics. */
function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const buf = Array.isArray(data) ? Buffer.concat(data) : data;
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
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

  constructor(ws: WebSocket, deps: SessionDeps) {
    this.#ws = ws;
    this.#deps = deps;
    this.connId = deps.connId;
    this.remoteAddress = deps.remoteAddress;
    this.#bucket = new TokenBucket(deps.clock, deps.limits.controlBurst, deps.limits.controlPerSecond);
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

  /** Sends an already encoded Envelope (broadcasts encode once). Never throws. */
  sendEncoded(frame: Uint8Array): void {
    if (this.#state === 'closed' || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#deps.hooks.onSent?.(frame.byteLength);
    try {
      this.#ws.send(frame);
    } catch {
      this.close(1011, 'send failed');
    }
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
