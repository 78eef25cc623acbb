/**
 * A `ws` client speaking Parley control frames, for tests and benchmarks:
 * every decoded Envelope is kept in `received` and queued for `next()`, which
 * waits (with a timeout) for the first unconsumed message of a kind matching a
 * predicate. Synchronise on messages, never on sleeps.
 */
import WebSocket from 'ws';
import { decodeEnvelope, encodeEnvelope } from '../../proto/index.ts';
import type { Envelope, EnvelopeCase, EnvelopeInit, EnvelopeOf } from '../../proto/index.ts';

/** Default time a `next()` waits before failing the test. */
export const DEFAULT_WAIT_MS = 15_000;

/** Unconsumed messages a lean socket keeps. */
export const LEAN_QUEUE = 64;

/** A decoded control message: the Envelope's oneof. */
export type ControlMessage = Envelope['msg'] & { case: EnvelopeCase };

interface Waiter {
  readonly match: (m: ControlMessage) => boolean;
  readonly resolve: (m: ControlMessage) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** How the socket closed. */
export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** One control connection to a relay. */
export class ControlSocket {
  /** Every message received, in order (consumed or not). */
  readonly received: ControlMessage[] = [];
  /** Exceptions thrown by taps, kept for inspection instead of crashing the socket. */
  readonly tapErrors: unknown[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<CloseInfo>;
  readonly #ws: WebSocket;
  readonly #queue: ControlMessage[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #taps = new Set<(m: ControlMessage) => void>();
  readonly #byteTaps = new Set<(bytes: number) => void>();
  /** Every frame's bytes as received, from the first (when opened with `captureFrames`). */
  readonly frames: Uint8Array[] = [];
  readonly #capture: boolean;
  #closeInfo: CloseInfo | undefined;
  readonly #lean: boolean;

  private constructor(ws: WebSocket, lean: boolean, capture: boolean) {
    this.#ws = ws;
    this.#lean = lean;
    this.#capture = capture;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.#closeInfo = { code, reason: reason.toString('utf8') };
        for (const w of this.#waiters) {
          clearTimeout(w.timer);
          w.reject(new Error(`socket closed while waiting [code:${code}, reason:${this.#closeInfo.reason}]`));
        }
        this.#waiters.clear();
        resolve(this.#closeInfo);
      });
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      for (const tap of this.#byteTaps) tap(data.byteLength);
      if (this.#capture) this.frames.push(new Uint8Array(data));
      if (!isBinary) return;
      // A plain Uint8Array view, so decoded bytes fields are Uint8Arrays rather than Buffers.
      const decoded = decodeEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!decoded.ok) return;
      this.#deliver(decoded.value.msg as ControlMessage);
    });
    // Errors are followed by 'close'; without a listener `ws` would throw them.
    ws.on('error', () => {});
  }

  /**
   * Opens a socket to `url` (the relay's `wsUrl`), with extra upgrade
   * `headers` (e.g. X-Forwarded-For). `lean` (load generators with hundreds
   * of sockets) keeps no history in `received` and at most
   * {@link LEAN_QUEUE} unconsumed messages, dropping the oldest. `ca`: the
   * certificate authority (PEM) trusted for a `wss:` relay.
   */
  static open(url: string, options: { lean?: boolean; headers?: Record<string, string>; ca?: string; captureFrames?: boolean } = {}): Promise<ControlSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, headers: options.headers ?? {}, ...(options.ca ? { ca: options.ca } : {}) });
      const socket = new ControlSocket(ws, options.lean ?? false, options.captureFrames ?? false);
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Close code and reason once closed. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  /** Sends one Envelope. */
  send(msg: EnvelopeInit): void {
    this.#ws.send(encodeEnvelope(msg));
  }

  /** Sends raw bytes (binary frame) or a string (text frame); `binary: false` sends bytes as a text frame, unvalidated. */
  sendRaw(data: Uint8Array | string, options: { binary?: boolean } = {}): void {
    this.#ws.send(data, { binary: options.binary ?? typeof data !== 'string' });
  }

  /** Calls `listener` for every message as it arrives (in addition to queueing it). Returns an unsubscribe. */
  tap(listener: (m: ControlMessage) => void): () => void {
    this.#taps.add(listener);
    return () => this.#taps.delete(listener);
  }

  /**
   * Resolves with the first unconsumed message of `kind` that satisfies
   * `predicate` (already received or yet to come) and consumes it.
   */
  next<K extends EnvelopeCase>(
    kind: K,
    predicate: (value: EnvelopeOf<K>) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
    signal?: AbortSignal,
  ): Promise<EnvelopeOf<K>> {
    const match = (m: ControlMessage): boolean => m.case === kind && predicate(m.value as EnvelopeOf<K>);
    return this.nextMatching(match, timeoutMs, kind, signal).then((m) => m.value) as Promise<EnvelopeOf<K>>;
  }

  /**
   * Like {@link next}, over any message kind: the first unconsumed message
   * satisfying `match`. Aborting `signal` withdraws the wait, so it cannot
   * consume a later message meant for someone else.
   */
  nextMatching(
    match: (m: ControlMessage) => boolean,
    timeoutMs = DEFAULT_WAIT_MS,
    what = 'message',
    signal?: AbortSignal,
  ): Promise<ControlMessage> {
    const index = this.#queue.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#queue.splice(index, 1)[0]!);
    if (this.#closeInfo) return Promise.reject(new Error(`socket already closed [code:${this.#closeInfo.code}] waiting for ${what}`));
    if (signal?.aborted) return Promise.reject(new Error(`wait for ${what} aborted`));
    return new Promise<ControlMessage>((resolve, reject) => {
      const withdraw = (): void => {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(waiter.timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(m);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        timer: setTimeout(() => {
          withdraw();
          const seen = this.received.map((m) => m.case).join(',');
          waiter.reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} [seen:${seen}]`));
        }, timeoutMs),
      };
      const onAbort = (): void => {
        withdraw();
        reject(new Error(`wait for ${what} aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /**
   * Consumes every message satisfying `match`, those already queued and those
   * yet to come, until one satisfies `last`; resolves with them in order.
   * It is registered before this returns, so messages arriving in one TCP read
   * with many others (`ws` delivers a read's frames synchronously) are taken
   * as they come: a lean socket cannot evict them before the caller's next
   * `await` runs (the roster pages after authOk in a burst of sign-ins, D92).
   */
  collect(match: (m: ControlMessage) => boolean, last: (m: ControlMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS, what = 'messages', signal?: AbortSignal): Promise<ControlMessage[]> {
    const got: ControlMessage[] = [];
    while (got.length === 0 || !last(got.at(-1)!)) {
      const index = this.#queue.findIndex(match);
      if (index < 0) break;
      got.push(this.#queue.splice(index, 1)[0]!);
    }
    if (got.length > 0 && last(got.at(-1)!)) return Promise.resolve(got);
    if (this.#closeInfo) return Promise.reject(new Error(`socket already closed [code:${this.#closeInfo.code}] waiting for ${what}`));
    if (signal?.aborted) return Promise.reject(new Error(`wait for ${what} aborted`));
    return new Promise<ControlMessage[]>((resolve, reject) => {
      const withdraw = (): void => {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          got.push(m);
          if (!last(m)) {
            this.#waiters.add(waiter); // #deliver removed it; keep taking until the last one
            return;
          }
          withdraw();
          resolve(got);
        },
        reject: (e) => {
          withdraw();
          reject(e);
        },
        timer: setTimeout(() => {
          withdraw();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} [got:${got.length}]`));
        }, timeoutMs),
      };
      const onAbort = (): void => {
        withdraw();
        reject(new Error(`wait for ${what} aborted`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Calls `listener` with the size of every frame as it arrives, decodable or not (frame-size tests). Returns an unsubscribe. */
  tapFrameBytes(listener: (bytes: number) => void): () => void {
    this.#byteTaps.add(listener);
    return () => this.#byteTaps.delete(listener);
  }

  /** Stops reading from the TCP socket: the relay's sends pile up (slow-reader tests). Sending still works. */
  pauseReading(): void {
    this.#tcp()?.pause();
  }

  /** Reads again after {@link pauseReading}. */
  resumeReading(): void {
    this.#tcp()?.resume();
  }

  /** `ws` keeps the TCP socket in a private field; a test client may reach for it. */
  #tcp(): { pause(): void; resume(): void } | undefined {
    return (this.#ws as unknown as { _socket?: { pause(): void; resume(): void } })._socket;
  }

  /** Number of received messages of `kind` (consumed or not). */
  count(kind: EnvelopeCase): number {
    return this.received.filter((m) => m.case === kind).length;
  }

  /** Closes (code 1000) and resolves once closed. */
  close(): Promise<CloseInfo> {
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000);
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  #deliver(m: ControlMessage): void {
    if (!this.#lean) this.received.push(m);
    for (const tap of this.#taps) {
      try {
        tap(m);
      } catch (error) {
        // A throwing tap must not abort `ws`'s frame processing (later frames would never arrive).
        this.tapErrors.push(error);
      }
    }
    for (const w of this.#waiters) {
      if (w.match(m)) {
        this.#waiters.delete(w);
        w.resolve(m); // clears its own timer (a collector keeps its one deadline)
        return;
      }
    }
    this.#queue.push(m);
    if (this.#lean && this.#queue.length > LEAN_QUEUE) this.#queue.shift();
  }
}
