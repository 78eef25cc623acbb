/**
 * One value kept as JSON between page loads: the shape every small settings
 * store uses (voice settings, file preferences). Reading never throws (a
 * missing or unreadable value is undefined, checked by the caller's parser);
 * writing swallows quota and private-mode failures, so the value then lasts
 * one page load.
 */

/** Where one value persists. */
export interface JsonStore<T> {
  /** The stored value, or undefined if none or unreadable. */
  load(): unknown;
  /** Stores the value; failures (quota, private mode) are swallowed. */
  save(value: T): void;
}

/** The value as JSON under one localStorage key. */
export function localStorageJsonStore<T>(storage: Storage, key: string): JsonStore<T> {
  return {
    load() {
      try {
        const text = storage.getItem(key);
        return text === null ? undefined : (JSON.parse(text) as unknown);
      } catch {
        return undefined;
      }
    },
    save(value) {
      try {
        storage.setItem(key, JSON.stringify(value));
      } catch {
        // Not stored: the value lasts this page load.
      }
    },
  };
}

/** The value in memory only (tests; browsers that refuse storage); saved as a JSON copy, as storage would. */
export function memoryJsonStore<T>(initial?: unknown): JsonStore<T> {
  let value = initial;
  return {
    load: () => value,
    save: (v) => {
      value = JSON.parse(JSON.stringify(v)) as unknown;
    },
  };
}
