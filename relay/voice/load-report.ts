/**
 * The voice load report: every interval, what the relay forwarded and
 * dropped since the last one, as a `voice-load` event (the log adapter
 * prints it). It answers an admin's "is this box keeping up?" while it runs:
 * a relay that keeps up bundles almost nothing, so `bundledPct` rising above
 * a few percent, or `stale` / `send-buffer-full` drops, say it is behind
 * (docs/BENCHMARKS.md has the figures behind that).
 *
 * {@link loadSummary} is pure; {@link startLoadReport} only owns the timer.
 */
import type { RelayStats } from '../stats-types.ts';
import { DATAGRAM_DROP_REASONS } from '../stats-types.ts';
import type { DatagramDropReason } from '../stats-types.ts';

/** One interval's voice load. */
export interface VoiceLoad {
  /** Length of the interval, seconds. */
  readonly seconds: number;
  /** Frames sent to listeners per second (one per listener and frame). */
  readonly forwardedPerSec: number;
  /** Percent of those that left packed in bundles (the relay falling behind). */
  readonly bundledPct: number;
  /** Datagrams dropped in the interval, by reason (reasons with none left out). */
  readonly drops: Readonly<Partial<Record<DatagramDropReason, number>>>;
}

/** The load between two snapshots `seconds` apart; null when nothing was forwarded or dropped. */
export function loadSummary(prev: RelayStats, next: RelayStats, seconds: number): VoiceLoad | null {
  const forwarded = next.forwarded - prev.forwarded;
  const drops: Partial<Record<DatagramDropReason, number>> = {};
  let dropped = 0;
  for (const reason of DATAGRAM_DROP_REASONS) {
    const n = next.datagrams[reason] - prev.datagrams[reason];
    if (n > 0) {
      drops[reason] = n;
      dropped += n;
    }
  }
  if (forwarded <= 0 && dropped === 0) return null;
  const span = seconds > 0 ? seconds : 1;
  return {
    seconds: Math.round(span * 10) / 10,
    forwardedPerSec: Math.round(Math.max(0, forwarded) / span),
    bundledPct: forwarded > 0 ? Math.round(((next.bundled - prev.bundled) / forwarded) * 1000) / 10 : 0,
    drops,
  };
}

/** What {@link startLoadReport} needs. */
export interface LoadReportDeps {
  readonly intervalMs: number;
  readonly stats: () => RelayStats;
  readonly now: () => number;
  readonly report: (load: VoiceLoad) => void;
}

/** Reports every `intervalMs` (the timer does not keep the process alive); returns the stop function. */
export function startLoadReport(deps: LoadReportDeps): () => void {
  let prev = deps.stats();
  let prevAt = deps.now();
  const timer = setInterval(() => {
    const next = deps.stats();
    const at = deps.now();
    const load = loadSummary(prev, next, (at - prevAt) / 1000);
    prev = next;
    prevAt = at;
    if (load) deps.report(load);
  }, deps.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
