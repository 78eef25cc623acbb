/**
 * Reactive controller that re-renders its host whenever the Session's state
 * changes (subscribe in hostConnected, unsubscribe in hostDisconnected).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Session, State } from '../session/index.ts';

export class SessionController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #session: Session | null = null;
  #unsubscribe: (() => void) | null = null;
  #connected = false;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Points the controller at a session (or none). */
  set session(session: Session | null) {
    if (session === this.#session) return;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#session = session;
    if (this.#connected) this.#subscribe();
    this.#host.requestUpdate();
  }

  get session(): Session | null {
    return this.#session;
  }

  /** The latest snapshot, or null without a session. */
  get state(): State | null {
    return this.#session?.state ?? null;
  }

  #subscribe(): void {
    if (!this.#session || this.#unsubscribe) return;
    this.#unsubscribe = this.#session.subscribe(() => this.#host.requestUpdate());
  }

  hostConnected(): void {
    this.#connected = true;
    this.#subscribe();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
