/** Human-readable sizes, speeds and durations for the file cards. Pure. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** `1536` -> `1.5 KB` (powers of 1024, one decimal under 10). */
export function formatBytes(n: number): string {
  let v = Math.max(0, n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || v >= 10 ? Math.round(v) : v.toFixed(1)} ${UNITS[u]}`;
}

/** `83` -> `1 min 23 s`; null -> `unknown`. */
export function formatSeconds(s: number | null): string {
  if (s === null) return 'unknown';
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
