/**
 * Hands every signed-in session fresh TURN credentials every half lifetime
 * (turnRefreshMs), so none expires in a client's hands.
 */
import { toHex } from '../../proto/bytes.ts';
import type { Roster } from '../presence/roster.ts';
import type { TurnGrant } from './turn-credentials.ts';

/** What {@link startTurnRefresh} needs. */
export interface TurnRefreshDeps {
  /** The signed-in sessions and their keys. */
  readonly roster: Pick<Roster, 'sessions' | 'member'>;
  /** Fresh credentials for one key (hex). */
  readonly credentialsFor: (keyHex: string) => TurnGrant;
  readonly intervalMs: number;
}

/** Starts the refresh; returns the function that stops it. */
export function startTurnRefresh(deps: TurnRefreshDeps): () => void {
  const timer = setInterval(() => {
    for (const session of deps.roster.sessions()) {
      const key = deps.roster.member(session)?.publicKey;
      if (key) session.send({ case: 'turnCredentials', value: deps.credentialsFor(toHex(key)) });
    }
  }, deps.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
