/**
 * Minimal typed event emitter. Listener exceptions are caught and reported
 * (mediasoup's safeEmit idea) so one bad subscriber cannot break the session.
 */
// `any[]`, not `unknown[]`: parameters are checked contravariantly, so a listener taking
// `(room: string)` would not be assignable to `(...args: unknown[]) => void`.
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: any[]) => void }> {
  #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls every listener of `event`; a throwing listener is logged and skipped. */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (e) {
        console.error(`listener failed [event:${String(event)}]`, e);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
