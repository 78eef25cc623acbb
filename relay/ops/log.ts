/**
 * Log adapter: subscribes to the relay's events and writes `what [key:value]`
 * lines to the injected logger. Drop lines are rate-limited per reason so a
 * flood of garbage cannot flood the log too.
 */
import { ErrorCode } from '../../proto/index.ts';
import type { EventSource } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock, Logger } from '../options.ts';

/** One drop line per reason per this many ms; the rest are summed into `suppressed`. */
const DROP_LOG_WINDOW_MS = 10_000;

/** Longest detail written to a line; details can echo client input. */
const MAX_DETAIL_CHARS = 200;

/** One line per event: control characters in details (client-influenced) are escaped, long ones cut. */
function clean(text: string): string {
  const cut = text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}...` : text;
  return cut.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describe(error: unknown): string {
  return clean(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** Writes the relay's events to `logger`. Returns a function that detaches it. */
export function attachLogger(events: EventSource<RelayEvents>, logger: Logger, clock: Clock): () => void {
  const lastDropLog = new Map<string, { at: number; suppressed: number }>();
  const offs = [
    // No URL here: main.ts prints the one URL to open, and scripts read the first URL on stdout.
    events.on('listening', (e) => logger.info(`relay listening [port:${e.port}]`)),
    events.on('connection-opened', (e) => logger.debug(`connection opened [conn:${e.connId}, remote:${e.remote}]`)),
    events.on('connection-closed', (e) =>
      logger.info(
        `connection closed [conn:${e.connId}, session:${e.sessionId ?? '-'}, code:${e.code}${e.reason ? `, reason:${clean(e.reason)}` : ''}]`,
      ),
    ),
    events.on('authenticated', (e) =>
      logger.info(
        `session authenticated [conn:${e.connId}, session:${e.sessionId}, name:${JSON.stringify(e.displayName)}, key:${e.keyPrefix}, room:${e.roomId}, role:${e.role}${e.inviteId ? `, invite:${e.inviteId}` : ''}]`,
      ),
    ),
    events.on('auth-refused', (e) =>
      logger.warn(`auth refused [conn:${e.connId}, code:${ErrorCode[e.code] ?? e.code}, detail:${clean(e.detail)}]`),
    ),
    events.on('address-locked', (e) => logger.warn(`address locked out [address:${clean(e.address)}, until:${new Date(e.untilMs).toISOString()}]`)),
    events.on('admin-action', (e) => logger.info(`admin action [by:${e.byKeyPrefix}, action:${e.action}, target:${clean(e.target)}]`)),
    events.on('renamed', (e) => logger.info(`renamed [session:${e.sessionId}, name:${JSON.stringify(e.displayName)}]`)),
    events.on('room-changed', (e) => logger.info(`room changed [session:${e.sessionId}, from:${e.from}, to:${e.to}]`)),
    events.on('voice-ready', (e) => logger.info(`voice ready [session:${e.sessionId}]`)),
    events.on('voice-worker-up', (e) => logger.info(`voice worker up [worker:${e.index}, pid:${e.pid}]`)),
    events.on('cluster-role', (e) => logger.info(`cluster role [role:${e.role}, log:${e.logSeq}]`)),
    events.on('cluster-append-failed', (e) => logger.warn(`cluster log append refused; ops answered CLUSTER_UNAVAILABLE [reason:${e.error instanceof Error ? e.error.message : String(e.error)}]`)),
    events.on('cluster-link', (e) => logger.info(`cluster voice link ${e.up ? 'up' : 'down'} [peer:${e.peer}]`)),
    events.on('cluster-link-failed', (e) => logger.warn(`cluster voice link failed [where:${clean(e.where)}, reason:${clean(e.error instanceof Error ? e.error.message : String(e.error))}]`)),
    events.on('voice-worker-exited', (e) =>
      logger.error(`voice worker exited [worker:${e.index}, pid:${e.pid}, code:${e.code ?? '-'}, signal:${e.signal ?? '-'}, sessions:${e.sessions}]`),
    ),
    events.on('voice-load', (e) => {
      const drops = Object.entries(e.drops).map(([reason, n]) => `${reason}:${n}`).join(' ');
      logger.info(`voice load [forwarded:${e.forwardedPerSec}/s, bundled:${e.bundledPct}%, drops:${drops || 'none'}, over:${e.seconds}s]`);
    }),
    events.on('internal-error', (e) => logger.error(`internal error [where:${e.where}, error:${describe(e.error)}]`)),
    events.on('drop', (e) => {
      const key = `${e.kind}:${e.reason}`;
      const now = clock.now();
      const last = lastDropLog.get(key);
      if (last && now - last.at < DROP_LOG_WINDOW_MS) {
        last.suppressed++;
        return;
      }
      const suppressed = last?.suppressed ?? 0;
      lastDropLog.set(key, { at: now, suppressed: 0 });
      const idName = e.kind === 'frame' ? 'conn' : 'session';
      logger.warn(
        `${e.kind} dropped [reason:${e.reason}, ${idName}:${e.id}${e.detail ? `, detail:${clean(e.detail)}` : ''}${suppressed ? `, suppressed:${suppressed}` : ''}]`,
      );
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
