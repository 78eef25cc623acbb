/**
 * Hands every signed-in session fresh TURN credentials every half lifetime
 * (turnRefreshMs), so none expires in a client's hands. It runs on the
 * relay's clock when that clock has timers (tests advance a virtual clock),
 * on a real unref'd timer otherwise.
 */
import { toHex } from '../../proto/bytes.ts';
import type { Clock } from '../clock.ts';
import type { Roster } from '../presence/roster.ts';
import type { TurnGrant } from './turn-credentials.ts';

/** What {@link startTurnRefresh} needs. */
export interface TurnRefreshDeps {
  /** The signed-in sessions and their keys. */
  readonly roster: Pick<Roster, 'sessions' | 'member'>;
  /** Fresh credentials for one key (hex). */
  readonly credentialsFor: (keyHex: string) => TurnGrant;
  readonly intervalMs: number;
  /** Its timers, when it has them (see the module comment). */
  readonly clock?: Clock;
}

/** Starts the refresh; returns the function that stops it. */
export function startTurnRefresh(deps: TurnRefreshDeps): () => void {
  const refresh = (): void => {
    for (const session of deps.roster.sessions()) {
      const key = deps.roster.member(session)?.publicKey;
      if (key) session.send({ case: 'turnCredentials', value: deps.credentialsFor(toHex(key)) });
    }
  };
  const { setTimer, clearTimer } = deps.clock ?? {};
  if (setTimer && clearTimer) {
    // One timer at a time, re-armed after each round: the clock's timers fire once.
    let stopped = false;
    let handle: unknown;
    const arm = (): void => {
      handle = setTimer.call(deps.clock, () => {
        if (stopped) return;
        refresh();
        arm();
      }, deps.intervalMs);
    };
    arm();
    return () => {
      stopped = true;
      clearTimer.call(deps.clock, handle);
    };
  }
  const timer = setInterval(refresh, deps.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
