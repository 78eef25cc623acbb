/**
 * The relays a client may reach its organisation through: the home URL (the
 * page's own relay) and the cluster's live relays it was told of
 * (AuthOk.relay_urls, RelayList), remembered across page loads. After a lost
 * connection the client tries the next one, so a relay killed outright costs
 * one reconnect delay, not the wait for it to come back.
 *
 * Trust does not follow the list: relay keys stay pinned under the home
 * address (access-manager.ts), so every relay reached must present the
 * organisation's key, and a list entry cannot send the user to a stranger.
 * The list comes from a relay and is checked like any peer input.
 *
 * It also remembers when each relay last failed this client (a connection
 * lost or not made), until the client signs in there again: room placement
 * does not steer the client to a relay that just failed it (a relay killed
 * outright still shows as its rooms' holder for up to a lease TTL, and every
 * move spent on it counts against the client's move budget, steering.ts).
 */

/** At most this many relays are kept (the relay sends no more). */
export const MAX_RELAYS = 16;

const URL_RULE = /^wss?:\/\/[\x21-\x7e]{1,250}$/;

/** Where the lists persist, by home URL. */
export interface RelayListStore {
  load(home: string): readonly string[];
  save(home: string, urls: readonly string[]): void;
}

/** Lists in memory (tests, private windows). */
export function memoryRelayLists(): RelayListStore {
  const lists = new Map<string, readonly string[]>();
  return { load: (home) => lists.get(home) ?? [], save: (home, urls) => void lists.set(home, urls) };
}

const STORAGE_KEY = 'parley.relayLists';

/** Lists in `storage` (localStorage) under one JSON entry; what does not read back as a list is ignored. */
export function storageRelayLists(storage: Storage): RelayListStore {
  const read = (): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}');
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  return {
    load: (home) => {
      const v = read()[home];
      return Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string') : [];
    },
    save: (home, urls) => {
      try {
        storage.setItem(STORAGE_KEY, JSON.stringify({ ...read(), [home]: urls }));
      } catch {
        // Storage full or disabled: the list lasts for this page only.
      }
    },
  };
}

/** Keeps the valid, distinct URLs of `urls`, at most {@link MAX_RELAYS}. */
export function cleanRelayUrls(urls: readonly string[]): string[] {
  return [...new Set(urls.filter((u) => URL_RULE.test(u)))].slice(0, MAX_RELAYS);
}

/** See the module comment. The home URL is always first and never dropped. */
export class RelayList {
  readonly #home: string;
  readonly #store: RelayListStore;
  readonly #now: () => number;
  #urls: string[];
  #index = 0;
  /** URL → when a connection to it was last lost or refused (cleared by a sign-in there). */
  readonly #failedAt = new Map<string, number>();

  constructor(home: string, store: RelayListStore = memoryRelayLists(), now: () => number = Date.now) {
    this.#home = home;
    this.#store = store;
    this.#now = now;
    this.#urls = this.#withHome(store.load(home));
  }

  /** The URL to connect to now. */
  get current(): string {
    return this.#urls[this.#index] ?? this.#home;
  }

  /** Every URL known, home first. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  /** The connection was lost or could not be made: the next attempt goes to the next relay. */
  advance(): void {
    this.#failedAt.set(this.current, this.#now());
    this.#index = (this.#index + 1) % this.#urls.length;
  }

  /** When `url` last failed this client since it last signed in there; undefined when it has not. */
  lastFailure(url: string): number | undefined {
    return this.#failedAt.get(url);
  }

  /** The next connection goes to `url`, one of {@link urls} (room placement); false, and nothing changes, when it is not one. */
  moveTo(url: string): boolean {
    const i = this.#urls.indexOf(url);
    if (i < 0) return false;
    this.#index = i;
    return true;
  }

  /** A relay named the cluster's live relays: keep them (and keep talking to the relay we are on). */
  accept(urls: readonly string[]): void {
    const current = this.current;
    // Signed in here: whatever failed before, this relay works now.
    this.#failedAt.delete(current);
    const next = this.#withHome(urls);
    // The relay we are connected to stays in the list even if it does not advertise itself.
    if (!next.includes(current)) next.push(current);
    this.#urls = next.slice(0, MAX_RELAYS + 1);
    this.#index = this.#urls.indexOf(current);
    this.#store.save(this.#home, this.#urls.filter((u) => u !== this.#home));
  }

  #withHome(urls: readonly string[]): string[] {
    return [this.#home, ...cleanRelayUrls(urls).filter((u) => u !== this.#home)];
  }
}
