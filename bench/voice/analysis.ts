/**
 * Turns one take (what entered A's pipeline, what left B's, and when each
 * started on the shared wall clock) into mouth-to-ear delays and a STOI
 * score.
 *
 * Delay: for every 1 s window of A's input that has speech (hop 0.5 s), the
 * lag of the best normalised cross-correlation with B's output gives where
 * that window came out; its wall-clock time minus the window's wall-clock
 * time is one mouth-to-ear sample. Quality: B's output is re-timed onto A's
 * input window by window with those lags, and STOI compares the two.
 */
import { alignByWindows, quantile, windowDelays } from './align.ts';
import { stoi } from './stoi.ts';

const RATE = 48_000;

/** One recorded take of both taps. */
export interface Take {
  readonly input: Float32Array;
  /** Wall-clock ms of input[0]. */
  readonly inputWallMs: number;
  readonly output: Float32Array;
  /** Wall-clock ms of output[0]. */
  readonly outputWallMs: number;
}

/** Result of {@link analyzeTake}. */
export interface TakeResult {
  readonly mouthToEarP50Ms: number;
  readonly mouthToEarP95Ms: number;
  readonly mouthToEarMaxMs: number;
  /** Windows with a reliable match (of those with speech). */
  readonly windows: number;
  readonly stoi: number;
  /** Mean normalised correlation of the matched windows. */
  readonly meanPeak: number;
  /** Every window's mouth-to-ear delay in time order, ms (rounded). */
  readonly delaysMs: readonly number[];
}

const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

/** Searches delays from `minMs` to `maxMs`. */
export function analyzeTake(take: Take, minMs = 5, maxMs = 700): TakeResult {
  const startOffsetMs = take.outputWallMs - take.inputWallMs; // output recording starts this much later
  const hop = RATE / 2;
  const delays = windowDelays(take.input, take.output, {
    windowSamples: RATE,
    hopSamples: hop,
    minLag: Math.round(((minMs - startOffsetMs) * RATE) / 1000),
    maxLag: Math.round(((maxMs - startOffsetMs) * RATE) / 1000),
    minRms: 0.003,
    minPeak: 0.3,
  });
  const ms = delays.map((d) => (d.lag * 1000) / RATE + startOffsetMs);
  const aligned = alignByWindows(take.input.length, take.output, delays, hop);
  return {
    mouthToEarP50Ms: round(quantile(ms, 0.5)),
    mouthToEarP95Ms: round(quantile(ms, 0.95)),
    mouthToEarMaxMs: round(Math.max(...ms)),
    windows: delays.length,
    stoi: round(stoi(take.input, aligned, RATE), 4),
    meanPeak: round(delays.reduce((a, d) => a + d.peak, 0) / Math.max(1, delays.length), 3),
    delaysMs: ms.map((v) => Math.round(v)),
  };
}
