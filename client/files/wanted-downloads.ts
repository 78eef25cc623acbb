/**
 * Which downloads the user started and has not finished. The session keeps
 * them in the file preferences (localStorage), so a reload resumes them;
 * without that, a memory set (tests).
 */

/** Downloads the user started and has not finished, remembered across reloads (a reload resumes them). */
export interface WantedDownloads {
  has(hex: string): boolean;
  set(hex: string, wanted: boolean): void;
}

/** Wanted downloads in memory (forgotten on reload). */
export function memoryWanted(): WantedDownloads {
  const set = new Set<string>();
  return { has: (h) => set.has(h), set: (h, on) => void (on ? set.add(h) : set.delete(h)) };
}
