/**
 * The session's control connection over time: opens a SignalConnection to
 * the relay list's current relay, and when it closes asks the reconnect
 * policy (connection-state.ts) whether and when to try again, scheduling the
 * retry, to the list's next relay (relay-list.ts), on the injected timer. One
 * socket at a time; what arrives on it goes to the host.
 *
 * It owns the socket and the retry timer, never state: every change goes
 * through the host's `set` (the session's one choke point).
 */
import { closedState, connectingState } from './connection-state.ts';
import type { ReconnectPolicy } from './reconnect-policy.ts';
import { SignalConnection } from './signal-connection.ts';
import type { ControlMessage, WebSocketFactory } from './signal-connection.ts';
import type { State } from '../state.ts';

/** What the link needs from the session. */
export interface ControlLinkHost {
  state(): State;
  /** The session's choke point. */
  set(next: State): void;
  /** True while the user wants to be signed in (reconnects stop otherwise). */
  wanted(): boolean;
  /** Handles one decoded message from the relay. */
  onMessage(m: ControlMessage): Promise<void>;
  /** Tears down everything bound to the previous socket (this link's own {@link ControlLink.stop} included). */
  teardown(): void;
  /** A frame from the relay could not be decoded (too large, damaged) and was dropped: whatever waited for a reply must not wait forever. */
  onDropped?(detail: string): void;
}

/** Adapters of the link. */
export interface ControlLinkDeps {
  /** The relays to connect to: the current one, and the next after a failure (relay-list.ts). */
  readonly relays: { readonly current: string; advance(): void };
  readonly webSocket?: WebSocketFactory | undefined;
  readonly policy: ReconnectPolicy;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** Connect, reconnect with backoff, stop. */
export class ControlLink {
  readonly #host: ControlLinkHost;
  readonly #deps: ControlLinkDeps;
  #signal: SignalConnection | null = null;
  #retryTimer: unknown = null;

  constructor(host: ControlLinkHost, deps: ControlLinkDeps) {
    this.#host = host;
    this.#deps = deps;
  }

  /** The current socket, or null between connections. */
  get signal(): SignalConnection | null {
    return this.#signal;
  }

  /** Opens a new socket (attempt 0 is a fresh sign-in, later ones are reconnects). */
  connect(attempt: number): void {
    this.#host.teardown();
    this.#host.set(connectingState(this.#host.state(), attempt));
    const signal = new SignalConnection(this.#deps.relays.current, this.#deps.webSocket);
    this.#signal = signal;
    signal.on('message', (m) => this.#host.onMessage(m).catch((e) => console.error('control message failed', e)));
    signal.on('malformed', (detail) => {
      console.warn(`dropped relay frame [reason:${detail}]`);
      this.#host.onDropped?.(detail);
    });
    signal.on('close', ({ wasOpen, code }) => this.#onClose(wasOpen, attempt, code));
  }

  /** Cancels a scheduled retry and closes the socket; `connect` may be called again. */
  stop(): void {
    if (this.#retryTimer !== null) {
      this.#deps.clearTimer(this.#retryTimer);
      this.#retryTimer = null;
    }
    this.#signal?.close();
    this.#signal = null;
  }

  #onClose(wasOpen: boolean, attempt: number, code: number): void {
    this.#host.teardown();
    if (!this.#host.wanted()) return;
    const outcome = closedState(this.#host.state(), wasOpen, attempt, this.#deps.policy, code);
    if (!outcome) return;
    this.#host.set(outcome.state);
    const retry = outcome.retry;
    if (!retry) return;
    // A relay that went away may be gone for good: the retry goes to the next relay of the cluster (the same one when alone).
    this.#deps.relays.advance();
    this.#retryTimer = this.#deps.setTimer(() => {
      this.#retryTimer = null;
      if (this.#host.wanted()) this.connect(retry.attempt);
    }, retry.delayMs);
  }
}
