/**
 * A latency histogram in microseconds that merges across processes: 10 µs
 * buckets up to 10 ms, 1 ms buckets up to 1 s, one overflow bucket; plus
 * exact count, sum and max. Serialised sparsely for IPC.
 */

const FINE_US = 10;
const FINE_BUCKETS = 1_000; // 0..10 ms
const COARSE_US = 1_000;
const COARSE_BUCKETS = 990; // 10 ms..1 s
const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1;

/** The wire form of a {@link Histogram}: [bucket, count] pairs. */
export interface HistogramData {
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  readonly count: number;
  readonly sumUs: number;
  readonly maxUs: number;
}

function bucketOf(us: number): number {
  if (us < FINE_BUCKETS * FINE_US) return Math.max(0, Math.floor(us / FINE_US));
  const coarse = Math.floor((us - FINE_BUCKETS * FINE_US) / COARSE_US);
  return FINE_BUCKETS + Math.min(coarse, COARSE_BUCKETS);
}

/** Upper edge of a bucket, µs (what a percentile reports: conservative). */
function upperOf(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_US;
  return FINE_BUCKETS * FINE_US + (bucket - FINE_BUCKETS + 1) * COARSE_US;
}

/** Mutable latency histogram. */
export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one value in µs. */
  record(us: number): void {
    this.#counts[bucketOf(us)]!++;
    this.#count++;
    this.#sum += us;
    if (us > this.#max) this.#max = us;
  }

  get count(): number {
    return this.#count;
  }

  /** Adds another histogram's data. */
  merge(data: HistogramData): void {
    for (const [b, c] of data.buckets) this.#counts[b]! += c;
    this.#count += data.count;
    this.#sum += data.sumUs;
    if (data.maxUs > this.#max) this.#max = data.maxUs;
  }

  /** Value at quantile `q` (0..1) in ms, bucket upper edge; the true max for q = 1; 0 when empty. */
  quantileMs(q: number): number {
    if (this.#count === 0) return 0;
    if (q >= 1) return this.#max / 1000;
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.#counts[b]!;
      if (seen >= rank) return Math.min(upperOf(b), this.#max) / 1000;
    }
    return this.#max / 1000;
  }

  meanMs(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count / 1000;
  }

  toData(): HistogramData {
    const buckets: Array<[number, number]> = [];
    for (let b = 0; b < BUCKETS; b++) if (this.#counts[b]! > 0) buckets.push([b, this.#counts[b]!]);
    return { buckets, count: this.#count, sumUs: this.#sum, maxUs: this.#max };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#max = 0;
  }
}
