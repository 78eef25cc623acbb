/**
 * What this browser remembers about file sharing across reloads: the user's
 * storage limit, the size under which images download by themselves,
 * whether direct connections are allowed, whether this device's address is
 * hidden behind the organisation's TURN server, and which downloads the user
 * started and has not finished (so a reload resumes them). Pure parsing plus
 * a thin localStorage adapter, like the voice settings.
 */
import { localStorageJsonStore, memoryJsonStore } from './json-store.ts';
import type { JsonStore } from './json-store.ts';

const MB = 1024 * 1024;

/** Downloads remembered at most (older ones are forgotten first). */
export const MAX_WANTED = 256;

/** File-sharing preferences of this browser. */
export interface FilesPrefs {
  /** Storage limit for shared files, bytes. */
  readonly quotaBytes: number;
  /** Images up to this size download without a click (0: never). */
  readonly autoImageBytes: number;
  /** Never connect directly to other browsers (hides this device's address); the relay carries the bytes. */
  readonly relayOnly: boolean;
  /** "Hide my IP address from other members": connect to other browsers only through the organisation's TURN server (decisions D117). */
  readonly hideAddress: boolean;
  /** Hex ids of downloads started and not finished, oldest first. */
  readonly wanted: readonly string[];
}

/** Defaults: 4 GiB (the largest file this client shares, with its hash blocks, fits: D118), images up to 5 MB, direct connections allowed, address not hidden. */
export const DEFAULT_FILES_PREFS: FilesPrefs = { quotaBytes: 4 * 1024 * MB, autoImageBytes: 5 * MB, relayOnly: false, hideAddress: false, wanted: [] };

const HEX_ID = /^[0-9a-f]{32}$/;

const sizeOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 2 ** 50 ? Math.round(v) : fallback);

/** Reads stored preferences; anything missing or malformed falls back to the default. */
export function parseFilesPrefs(v: unknown): FilesPrefs {
  if (typeof v !== 'object' || v === null) return DEFAULT_FILES_PREFS;
  const o = v as Record<string, unknown>;
  const wanted = Array.isArray(o.wanted) ? [...new Set(o.wanted.filter((w): w is string => typeof w === 'string' && HEX_ID.test(w)))].slice(-MAX_WANTED) : [];
  return {
    quotaBytes: sizeOr(o.quotaBytes, DEFAULT_FILES_PREFS.quotaBytes),
    autoImageBytes: sizeOr(o.autoImageBytes, DEFAULT_FILES_PREFS.autoImageBytes),
    relayOnly: typeof o.relayOnly === 'boolean' ? o.relayOnly : false,
    hideAddress: typeof o.hideAddress === 'boolean' ? o.hideAddress : false,
    wanted,
  };
}

/** `prefs` with `hex` remembered as wanted (true) or forgotten (false). */
export function withWanted(prefs: FilesPrefs, hex: string, on: boolean): FilesPrefs {
  const rest = prefs.wanted.filter((w) => w !== hex);
  return { ...prefs, wanted: on ? [...rest, hex].slice(-MAX_WANTED) : rest };
}

/** Where the value persists between page loads (client/session/json-store.ts). */
export type FilesPrefsStore = JsonStore<FilesPrefs>;

/** As JSON under one localStorage key. */
export function localStorageFilesPrefsStore(storage: Storage, key = 'parley.files.v1'): FilesPrefsStore {
  return localStorageJsonStore(storage, key);
}

/** In memory only (tests; browsers that refuse storage). */
export function memoryFilesPrefsStore(initial?: unknown): FilesPrefsStore {
  return memoryJsonStore(initial);
}
