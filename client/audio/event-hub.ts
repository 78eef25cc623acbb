/**
 * Typed listener registry for the engine's events. A listener that throws
 * is reported to `onListenerError` and does not stop the others, so UI code
 * cannot break the audio path (mediasoup's safeEmit idea).
 */

/** Maps each event name to its listener signature. */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/** Typed on/emit with exception isolation. */
export class EventHub<E extends EventMap<E>> {
  readonly #listeners = new Map<keyof E, Set<E[keyof E]>>();
  readonly #onListenerError: (error: unknown, event: keyof E) => void;

  constructor(onListenerError: (error: unknown, event: keyof E) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Calls every listener of `event` with `args`. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
