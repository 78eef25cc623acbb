/**
 * Receiver reports: each listener tells the relay, every ~2 s, what fraction
 * of each sender's voice it lost; the relay passes each entry to that sender
 * as a `LossReport` stamped with the listener's session id. Senders size
 * their Opus in-band FEC from the reports (client/session/voice/loss-feedback.ts).
 *
 * The relay trusts nothing in a report: a listener can only report on
 * senders in its own room (others are dropped silently: they may have just
 * moved), entries are capped, values bounded, and a listener gets one
 * report per REPORT_INTERVAL_MS forwarded (each report fans out to up to
 * one message per room member, so this caps the amplification).
 */
import { ErrorCode } from '../../proto/index.ts';
import type { ReceiverReport } from '../../proto/index.ts';
import type { Clock } from '../options.ts';
import type { Presence } from '../presence/presence.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';

/** Most entries in one ReceiverReport. */
export const MAX_REPORT_ENTRIES = 64;
/** Shortest accepted interval between two reports of one session, ms (clients send every 2000). */
export const REPORT_INTERVAL_MS = 500;

/** What the forwarder needs. */
export interface LossReportsDeps {
  readonly presence: Pick<Presence, 'member'>;
  /** The authenticated session with this id, if any. */
  readonly sessionById: (sessionId: number) => Session | undefined;
  readonly stats: DropStats;
  readonly clock: Clock;
}

/** Validates ReceiverReports and forwards their entries to the senders. */
export class LossReports {
  readonly #deps: LossReportsDeps;
  readonly #lastAt = new WeakMap<Session, number>();

  constructor(deps: LossReportsDeps) {
    this.#deps = deps;
  }

  /** Handles one ReceiverReport from an authenticated session. Never throws on bad input. */
  handle(session: Session, msg: ReceiverReport): void {
    const { presence, sessionById, stats, clock } = this.#deps;
    const from = session.sessionId;
    if (from === undefined) return;
    if (msg.senders.length > MAX_REPORT_ENTRIES || msg.senders.some((e) => e.lossPermille > 1000)) {
      stats.frame('bad-request', session.connId, 'receiver_report out of range');
      session.sendError(ErrorCode.BAD_REQUEST, `receiver_report [max entries:${MAX_REPORT_ENTRIES}, max loss_permille:1000]`, 'receiver_report');
      return;
    }
    const now = clock.now();
    const last = this.#lastAt.get(session);
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) {
      stats.frame('rate-limited', session.connId, 'receiver_report');
      return;
    }
    this.#lastAt.set(session, now);
    const room = presence.member(from)?.roomId;
    if (room === undefined) return;
    const seen = new Set<number>();
    for (const entry of msg.senders) {
      const to = entry.sessionId;
      if (to === from || seen.has(to)) continue;
      seen.add(to);
      if (presence.member(to)?.roomId !== room) continue;
      sessionById(to)?.send({ case: 'lossReport', value: { fromSessionId: from, lossPermille: entry.lossPermille } });
    }
  }
}
