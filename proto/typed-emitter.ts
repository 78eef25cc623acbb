/**
 * The one typed event emitter, shared by the relay and the client (mediasoup's
 * `enhancedEvents` idea): an event map names each event's listener signature,
 * `emit` calls every listener in order, and a listener that throws is caught
 * and reported instead of breaking the emitter's caller (`safeEmit`) or the
 * listeners after it.
 *
 * It lives in `proto/` because that is the one folder both sides may import
 * (see .dependency-cruiser.cjs); it knows nothing of the wire format.
 */

/** Map of event name to listener signature, e.g. `{ close: (info: CloseInfo) => void }`. */
// `any[]`, not `unknown[]`: parameters are checked contravariantly, so a listener taking
// `(room: string)` would not be assignable to `(...args: unknown[]) => void`.
export type EventMap<E> = { [K in keyof E]: (...args: any[]) => void };

/** A listener for event `K` of `E`. */
export type Listener<E extends EventMap<E>, K extends keyof E> = E[K];

/** Read-only side of a {@link TypedEmitter}: what an owner hands to the outside. */
export interface EventSource<E extends EventMap<E>> {
  /** Subscribes to `name`; returns a function that unsubscribes. */
  on<K extends keyof E>(name: K, listener: E[K]): () => void;
  /** Removes a listener added with {@link EventSource.on}. */
  off<K extends keyof E>(name: K, listener: E[K]): void;
}

/** Reports a listener's exception; the default writes it to the console with the event's name. */
export type ListenerErrorHandler<E> = (error: unknown, name: keyof E) => void;

const consoleReport = (error: unknown, name: PropertyKey): void => console.error(`listener failed [event:${String(name)}]`, error);

/** Typed emitter with exception isolation. */
export class TypedEmitter<E extends EventMap<E>> implements EventSource<E> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>();
  readonly #onListenerError: ListenerErrorHandler<E>;

  constructor(onListenerError: ListenerErrorHandler<E> = consoleReport) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E>(name: K, listener: E[K]): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof E>(name: K, listener: E[K]): void {
    this.#listeners.get(name)?.delete(listener);
  }

  /** Subscribes for the next `name` only. */
  once<K extends keyof E>(name: K, listener: E[K]): () => void {
    const off = this.on(name, ((...args: Parameters<E[K]>) => {
      off();
      listener(...args);
    }) as E[K]);
    return off;
  }

  /** True when someone listens to `name`; lets hot paths skip building a payload. */
  has(name: keyof E): boolean {
    const set = this.#listeners.get(name);
    return set !== undefined && set.size > 0;
  }

  /** Calls every listener of `name`; a throwing listener is reported and does not stop the others. */
  emit<K extends keyof E>(name: K, ...args: Parameters<E[K]>): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    // A copy: a listener may unsubscribe itself (once) or others while we iterate.
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        try {
          this.#onListenerError(error, name);
        } catch {
          /* nothing left to tell */
        }
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
