/**
 * Saturation search: raise the number of talkers (spread over the rooms;
 * each adds 50 × (room size − 1) forwarded packets per second) until p99 one-way delay
 * passes 5 ms or loss passes 1 %, then bisect between the last good and the
 * first bad step. The answer is the highest forwarded rate that was good.
 *
 * A step outside the limits is measured once more and counts as bad only if
 * the repeat fails too: on a shared VM one 3-second window can catch a
 * scheduler stall that has nothing to do with load (the plain-UDP baseline
 * once "saturated" at 9,800/s that way, against 255,000/s in the run
 * before). A forwarder that is really saturated fails both. Both
 * measurements stay in `steps`.
 */
import type { LoadRig, StepResult, StepTiming } from './load-rig.ts';

/** Limits a step must keep to count as below saturation. */
export const SATURATION_P99_MS = 5;
export const SATURATION_LOSS_PCT = 1;

/** Outcome of a search. */
export interface Saturation {
  /** The highest good step, if any step was good. */
  readonly best: StepResult | undefined;
  /** The first bad step, if the search found one before running out of talkers. */
  readonly firstBad: StepResult | undefined;
  readonly steps: readonly StepResult[];
}

/** True when a step stays within the delay and loss limits. */
export function withinDefaultLimits(r: StepResult): boolean {
  return r.p99Ms <= SATURATION_P99_MS && r.lossPct <= SATURATION_LOSS_PCT;
}

/** True when a step stays within the loss limit, whatever its delay (throughput when CPU, not delay, binds). */
export function withinLossLimit(r: StepResult): boolean {
  return r.lossPct <= SATURATION_LOSS_PCT;
}

/**
 * Searches `rig` for its saturation rate, starting at `start` talkers
 * (default 8). `good` decides what a step must keep (default: delay and loss).
 */
export async function findSaturation(
  rig: LoadRig,
  options: { start?: number; bisections?: number; timing?: StepTiming; good?: (r: StepResult) => boolean } = {},
): Promise<Saturation> {
  const withinLimits = options.good ?? withinDefaultLimits;
  const steps: StepResult[] = [];
  const run = async (s: number): Promise<StepResult> => {
    const r = await rig.step(s, options.timing);
    steps.push(r);
    if (withinLimits(r)) return r;
    const again = await rig.step(s, options.timing);
    steps.push(again);
    return again;
  };
  const maxS = rig.maxTalkers;
  let good = 0;
  let bad = 0;
  let best: StepResult | undefined;
  let firstBad: StepResult | undefined;
  for (let s = Math.min(options.start ?? 8, maxS); ; s = Math.min(s * 2, maxS)) {
    const r = await run(s);
    if (withinLimits(r)) {
      good = s;
      best = r;
      if (s === maxS) return { best, firstBad, steps };
    } else {
      bad = s;
      firstBad = r;
      break;
    }
  }
  for (let i = 0; i < (options.bisections ?? 3) && bad - good > 1; i++) {
    const mid = Math.floor((good + bad) / 2);
    const r = await run(mid);
    if (withinLimits(r)) {
      good = mid;
      best = r;
    } else {
      bad = mid;
      firstBad = r;
    }
  }
  return { best, firstBad, steps };
}
