/**
 * A small typed event emitter: one payload object per event, listeners that
 * throw are caught and reported instead of breaking the emitter's caller
 * (mediasoup's `safeEmit`).
 */

/** Map of event name to payload type (an interface works: no index signature needed). */
export type EventMap<E> = { readonly [K in keyof E]: object };

/** A listener for one event of `E`. */
export type Listener<E extends EventMap<E>, K extends keyof E> = (payload: E[K]) => void;

/** Read-only side of a {@link TypedEmitter}: what the relay hands to the outside. */
export interface EventSource<E extends EventMap<E>> {
  /** Subscribes to `name`; returns a function that unsubscribes. */
  on<K extends keyof E>(name: K, listener: Listener<E, K>): () => void;
  /** Removes a listener added with {@link EventSource.on}. */
  off<K extends keyof E>(name: K, listener: Listener<E, K>): void;
}

/** Typed emitter. `onListenerError` sees exceptions thrown by listeners. */
export class TypedEmitter<E extends EventMap<E>> implements EventSource<E> {
  readonly #listeners = new Map<keyof E, Set<Listener<E, never>>>();
  readonly #onListenerError: (error: unknown, name: keyof E) => void;

  constructor(onListenerError: (error: unknown, name: keyof E) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E>(name: K, listener: Listener<E, K>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<E, never>);
    return () => this.off(name, listener);
  }

  off<K extends keyof E>(name: K, listener: Listener<E, K>): void {
    this.#listeners.get(name)?.delete(listener as Listener<E, never>);
  }

  /** True when someone listens to `name`; lets hot paths skip building a payload. */
  has(name: keyof E): boolean {
    const set = this.#listeners.get(name);
    return set !== undefined && set.size > 0;
  }

  /** Calls every listener of `name` with `payload`; a throwing listener does not stop the others. */
  emit<K extends keyof E>(name: K, payload: E[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<E, K>)(payload);
      } catch (error) {
        // A broken reporter must not take the reporting code down with it.
        try {
          this.#onListenerError(error, name);
        } catch {
          /* nothing left to tell */
        }
      }
    }
  }
}
