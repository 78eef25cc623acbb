/**
 * Performance marks of a sign-in, for the scale benchmark and DevTools
 * (`npm run bench:scale` reads every `parley:` mark after its click):
 * `parley:connected` (AuthOk applied), `parley:roster` (the last roster page
 * applied), `parley:rooms` (the room tree's rooms applied), each once per
 * page load, and the number of session updates until all three
 * (`parley:updates-N` on the last). Marks only; nothing reads them back.
 */
import type { State } from './session/index.ts';

/** Subscribes to `subscribe`'s states and marks each sign-in step the first time it is seen. */
export function markSignIn(subscribe: (listener: (s: State) => void) => () => void, mark: (name: string) => void = (n) => void performance.mark(n)): void {
  const seen = new Set<string>();
  let updates = 0;
  const once = (name: string, reached: boolean): void => {
    if (!reached || seen.has(name)) return;
    seen.add(name);
    mark(`parley:${name}`);
  };
  const stop = subscribe((s) => {
    updates++;
    once('connected', s.connection.status === 'connected');
    once('roster', s.users.length > 0);
    once('rooms', s.rooms.length > 1);
    if (seen.size === 3) {
      mark(`parley:updates-${updates}`);
      stop();
    }
  });
}
