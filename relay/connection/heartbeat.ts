/**
 * Liveness: every `pingIntervalMs` the relay pings each authenticated session
 * and closes any that has sent nothing for `idleTimeoutMs`. Any inbound frame
 * counts as a sign of life, not only a pong: a busy client is plainly alive.
 * The same tick closes sessions whose send buffer stopped draining
 * (`Session.checkDrain`): a client that talks but never reads is not alive.
 */
import type { Clock, RelayLimits } from '../options.ts';
import { CloseCode } from './client-connection.ts';
import type { Session } from './client-connection.ts';

/** Dependencies of {@link startHeartbeat}. */
export interface HeartbeatDeps {
  readonly sessions: () => Iterable<Session>;
  readonly clock: Clock;
  readonly limits: Pick<RelayLimits, 'pingIntervalMs' | 'idleTimeoutMs'>;
}

/** Starts the ping loop; returns a function that stops it. */
export function startHeartbeat(deps: HeartbeatDeps): () => void {
  const { clock, limits } = deps;
  let nonce = 0n;
  const timer = setInterval(() => {
    const now = clock.now();
    // Copy first: closing a session removes it from the live collection.
    for (const session of [...deps.sessions()]) {
      if (now - session.lastHeardAt > limits.idleTimeoutMs) {
        session.close(CloseCode.Idle, 'idle timeout');
      } else if (!session.checkDrain(now)) {
        nonce = (nonce + 1n) & 0xffff_ffff_ffff_ffffn;
        session.send({ case: 'ping', value: { nonce } });
      }
    }
  }, limits.pingIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
