/**
 * Arrival-delay statistics for one sender, the input of the adaptive
 * jitter-buffer target.
 *
 * For every packet we note `d = arrival time - sender time` (sender time is
 * the packet's `ts` in ms). The absolute value is meaningless (the clocks
 * are unrelated) but differences are not: the smallest `d` in the window is
 * the fastest recent path (the baseline), and `d - baseline` is how much
 * later than that a packet came. The target covers a high quantile of it.
 * This is NetEQ's "relative arrival delay" idea with a plain sorted window
 * instead of a decaying histogram; the window is at most a few hundred
 * numbers, so sorting on demand is cheap and easy to reason about.
 *
 * The window slides on arrival time, so a DTX pause simply leaves fewer
 * samples instead of looking like a delay spike.
 */

/** Options for {@link ArrivalDelayEstimator}. */
export interface DelayEstimatorOptions {
  /** Sliding window length in ms; default 2000. */
  readonly windowMs?: number;
  /** Quantile of the relative delay that the buffer should cover (0..1); default 0.95. */
  readonly quantile?: number;
  /** Most samples kept (oldest overwritten); default 512. */
  readonly capacity?: number;
}

/** Sliding-window estimator of baseline and high-quantile relative arrival delay. */
export class ArrivalDelayEstimator {
  readonly #windowMs: number;
  readonly #quantile: number;
  readonly #arrival: Float64Array;
  readonly #delay: Float64Array;
  readonly #scratch: Float64Array;
  #head = 0; // next write index
  #count = 0;
  #dirty = true;
  #baseline = 0;
  #jitter = 0;
  #hasBaseline = false;

  constructor(options: DelayEstimatorOptions = {}) {
    this.#windowMs = options.windowMs ?? 2000;
    this.#quantile = options.quantile ?? 0.95;
    const capacity = options.capacity ?? 512;
    this.#arrival = new Float64Array(capacity);
    this.#delay = new Float64Array(capacity);
    this.#scratch = new Float64Array(capacity);
  }

  /** Samples currently in the window. */
  get count(): number {
    return this.#count;
  }

  /** Records one packet: its arrival time and its sender timestamp, both in ms. */
  add(arrivalMs: number, senderMs: number): void {
    const cap = this.#arrival.length;
    this.#arrival[this.#head] = arrivalMs;
    this.#delay[this.#head] = arrivalMs - senderMs;
    this.#head = (this.#head + 1) % cap;
    if (this.#count < cap) this.#count++;
    this.#dirty = true;
  }

  /** Drops samples that arrived more than the window length before `nowMs`. */
  prune(nowMs: number): void {
    const cap = this.#arrival.length;
    while (this.#count > 0) {
      const tail = (this.#head - this.#count + cap) % cap;
      if (this.#arrival[tail]! >= nowMs - this.#windowMs) break;
      this.#count--;
      this.#dirty = true;
    }
  }

  /**
   * Smallest `arrival - sender` in the window (the fastest path), or the last
   * known one when the window is empty; `null` before any sample.
   */
  baselineMs(): number | null {
    this.#compute();
    return this.#hasBaseline ? this.#baseline : null;
  }

  /** The configured quantile of `d - baseline` over the window, in ms (0 when empty). */
  jitterMs(): number {
    this.#compute();
    return this.#jitter;
  }

  /** Forgets every sample. */
  clear(): void {
    this.#count = 0;
    this.#dirty = true;
    this.#hasBaseline = false;
    this.#jitter = 0;
  }

  #compute(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const n = this.#count;
    if (n === 0) {
      this.#jitter = 0;
      return;
    }
    const cap = this.#arrival.length;
    const start = (this.#head - n + cap) % cap;
    for (let i = 0; i < n; i++) this.#scratch[i] = this.#delay[(start + i) % cap]!;
    const sorted = this.#scratch.subarray(0, n).sort();
    this.#baseline = sorted[0]!;
    this.#hasBaseline = true;
    const idx = Math.min(n - 1, Math.max(0, Math.ceil(this.#quantile * n) - 1));
    this.#jitter = sorted[idx]! - this.#baseline;
  }
}

/** Options for {@link AdaptiveTarget}. */
export interface AdaptiveTargetOptions extends DelayEstimatorOptions {
  /** Lower clamp of the target, ms; default 20. */
  readonly minTargetMs?: number;
  /** Upper clamp of the target, ms; default 200. */
  readonly maxTargetMs?: number;
  /**
   * Target floor before the first 10 delay samples of a sender, ms; default
   * 20. Later, while the window is that sparse (after a pause), the last
   * target learned from a full window is the floor instead.
   */
  readonly startTargetMs?: number;
  /** Added to the jitter quantile (FEC look-ahead), ms; default 20. */
  readonly lookaheadMs?: number;
  /**
   * Fastest the target may fall, ms per second; default 20. It rises at
   * once but falls slowly, so stalls that recur every few seconds (a busy
   * machine, Wi-Fi scans) stop costing late packets each time they leave
   * the 2 s window (NetEQ's slow forgetting, simplified).
   */
  readonly releaseMsPerS?: number;
}

const MIN_SAMPLES_FOR_ADAPTIVE = 10;

/**
 * The jitter-buffer target: clamp(quantile of relative delay + one frame of
 * FEC look-ahead, 20, 200) ms, remembering the last well-founded value so a
 * talk spurt after a pause does not start from scratch.
 */
export class AdaptiveTarget {
  readonly estimator: ArrivalDelayEstimator;
  readonly #min: number;
  readonly #max: number;
  readonly #lookahead: number;
  readonly #release: number;
  #learned: number;
  #last: number;
  #lastAtMs = Number.NaN;

  constructor(options: AdaptiveTargetOptions = {}) {
    this.estimator = new ArrivalDelayEstimator(options);
    this.#min = options.minTargetMs ?? 20;
    this.#max = options.maxTargetMs ?? 200;
    this.#lookahead = options.lookaheadMs ?? 20;
    this.#release = options.releaseMsPerS ?? 20;
    this.#learned = options.startTargetMs ?? this.#min;
    this.#last = this.#learned;
  }

  /** Target computed by the last {@link update}, ms. */
  get lastMs(): number {
    return this.#last;
  }

  /** Slides the window to `nowMs` and returns the current target, ms. */
  update(nowMs: number): number {
    const e = this.estimator;
    e.prune(nowMs);
    let t = e.jitterMs() + this.#lookahead;
    const founded = e.count >= MIN_SAMPLES_FOR_ADAPTIVE;
    if (!founded) t = Math.max(t, this.#learned);
    t = Math.min(this.#max, Math.max(this.#min, t));
    if (!Number.isNaN(this.#lastAtMs) && t < this.#last) {
      t = Math.max(t, this.#last - (this.#release * Math.max(0, nowMs - this.#lastAtMs)) / 1000);
    }
    this.#lastAtMs = nowMs;
    if (founded) this.#learned = t;
    this.#last = t;
    return t;
  }
}
