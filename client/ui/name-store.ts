/**
 * Where the page remembers the display name between visits (a UI
 * preference, not a session setting: the session takes the name with each
 * `connect` and `rename` command). The sign-in form and the identity panel's
 * rename both go through it.
 */

/** localStorage key of the remembered display name. */
export const NAME_KEY = 'parley.displayName';

/** The remembered display name. */
export interface NameStore {
  /** The saved name, '' when none (or when storage is refused). */
  load(): string;
  /** Remembers `name`; a refused write is ignored (the name still applies live). */
  save(name: string): void;
}

/**
 * The name in `storage()` under {@link NAME_KEY}. `storage` is a function so
 * a browser that throws on touching `localStorage` (some private modes) only
 * costs the remembering, never the page.
 */
export function storageNameStore(storage: () => Storage = () => localStorage): NameStore {
  return {
    load() {
      try {
        return storage().getItem(NAME_KEY) ?? '';
      } catch {
        return '';
      }
    },
    save(name) {
      try {
        storage().setItem(NAME_KEY, name);
      } catch {
        // not remembered; still applied live
      }
    },
  };
}

/** A name kept in memory only (tests, embedders without storage). */
export function memoryNameStore(initial = ''): NameStore {
  let name = initial;
  return {
    load: () => name,
    save: (next) => {
      name = next;
    },
  };
}
