/**
 * Trust on first use for relay keys, as SSH does for host keys: the first
 * key a relay address presents is remembered; a different key later stops
 * the session before it signs anything, until the user accepts the change.
 */

/** Remembered relay keys by address (the control socket URL). */
export interface RelayPinStore {
  /** Hex of the pinned key, or undefined on first contact. */
  get(address: string): string | undefined;
  set(address: string, keyHex: string): void;
}

/** Pins in memory (tests, private windows where storage fails). */
export function memoryPins(): RelayPinStore {
  const pins = new Map<string, string>();
  return { get: (a) => pins.get(a), set: (a, k) => void pins.set(a, k) };
}

const STORAGE_KEY = 'parley.relayPins';

/** Pins in `storage` (localStorage) under one JSON entry; falls back to memory when storage fails. */
export function storagePins(storage: Storage): RelayPinStore {
  const fallback = memoryPins();
  const read = (): Record<string, string> => {
    try {
      const v: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}');
      return typeof v === 'object' && v !== null ? (v as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  return {
    get: (address) => {
      const v = read()[address];
      return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v : fallback.get(address);
    },
    set: (address, keyHex) => {
      fallback.set(address, keyHex);
      try {
        storage.setItem(STORAGE_KEY, JSON.stringify({ ...read(), [address]: keyHex }));
      } catch {
        // Storage full or disabled: the pin lasts for this page only.
      }
    },
  };
}
