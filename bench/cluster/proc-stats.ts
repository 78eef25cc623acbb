/**
 * What a bench process reports about itself over a measured window: its
 * event-loop delay (how late a 1 ms timer ran: the time a frame waits before
 * this process's JavaScript even sees it) and its GC pauses. Every process of
 * the voice-path bench (relays, speakers, listeners) runs one, so the report
 * says which process the tail came from.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';

/** One process's window, ms. */
export interface ProcStats {
  readonly loopP50Ms: number;
  readonly loopP99Ms: number;
  readonly loopP999Ms: number;
  readonly loopMaxMs: number;
  readonly gcCount: number;
  readonly gcTotalMs: number;
  readonly gcMaxMs: number;
}

const round = (x: number): number => Number(x.toFixed(3));

/** Watches this process from now; {@link ProcMonitor.reset} starts a window, {@link ProcMonitor.read} ends it. */
export class ProcMonitor {
  readonly #loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  readonly #gc: PerformanceObserver;
  #pauses: number[] = [];

  constructor() {
    this.#loop.enable();
    this.#gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.#pauses.push(e.duration);
    });
    this.#gc.observe({ entryTypes: ['gc'] });
  }

  reset(): void {
    this.#loop.reset();
    this.#pauses = [];
  }

  read(): ProcStats {
    const h = this.#loop;
    // The histogram counts the timer's own 1 ms period; what is above it is delay.
    const ms = (ns: number): number => round(Math.max(0, ns / 1e6 - 1));
    return {
      loopP50Ms: ms(h.percentile(50)),
      loopP99Ms: ms(h.percentile(99)),
      loopP999Ms: ms(h.percentile(99.9)),
      loopMaxMs: ms(h.max),
      gcCount: this.#pauses.length,
      gcTotalMs: round(this.#pauses.reduce((a, b) => a + b, 0)),
      gcMaxMs: round(Math.max(0, ...this.#pauses)),
    };
  }

  stop(): void {
    this.#loop.disable();
    this.#gc.disconnect();
  }
}

/** Milliseconds on CLOCK_MONOTONIC, which every process of the machine reads alike (a frame's stamp and its arrival come from different processes). */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
