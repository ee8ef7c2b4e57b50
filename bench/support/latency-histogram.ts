/**
 * A fixed-bucket latency histogram that load processes fill and the parent merges by adding counts
 * (so percentiles of the merged histogram are exact up to the bucket width — never an average of
 * per-process percentiles). Buckets are logarithmic: each is `growth` times wider than the last,
 * from 1 µs up, so any latency is kept to within ±0.5% and the bucket count stays bounded
 * (about 2,000 up to a minute). Values below 1 µs share bucket 0; above `bucketsMax` the last.
 */
const growth = 1.01;
const logGrowth = Math.log(growth);
export const bucketsMax = 2_000;

/** Serializable form (sent over IPC): sparse [bucket, count] pairs plus exact count/min/max/sum. */
export interface HistogramJson {
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly sumUs: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(bucketsMax);
  count = 0;
  minUs = Infinity;
  maxUs = 0;
  sumUs = 0;

  static bucketOf(us: number): number {
    if (!(us >= 1)) return 0;
    return Math.min(bucketsMax - 1, 1 + Math.floor(Math.log(us) / logGrowth));
  }

  /** The value a bucket stands for: the geometric middle of its bounds. */
  static valueOf(bucket: number): number {
    if (bucket === 0) return 0.5;
    return Math.pow(growth, bucket - 1 + 0.5);
  }

  recordUs(us: number): void {
    if (!Number.isFinite(us) || us < 0) throw new RangeError(`latency must be a finite non-negative number of µs, got ${us}`);
    this.counts[LatencyHistogram.bucketOf(us)]! += 1;
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  merge(other: HistogramJson): void {
    for (const [b, c] of other.buckets) {
      if (!Number.isSafeInteger(b) || b < 0 || b >= bucketsMax || !(c >= 0)) throw new RangeError(`bad histogram bucket [${b}, ${c}]`);
      this.counts[b]! += c;
    }
    this.count += other.count;
    this.sumUs += other.sumUs;
    if (other.count > 0) {
      this.minUs = Math.min(this.minUs, other.minUs);
      this.maxUs = Math.max(this.maxUs, other.maxUs);
    }
  }

  /** The q-quantile (0 < q ≤ 1) in µs: the value of the bucket holding the ⌈q·count⌉-th sample, clamped to [min, max]. */
  quantileUs(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let b = 0; b < bucketsMax; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(this.maxUs, Math.max(this.minUs, LatencyHistogram.valueOf(b)));
    }
    return this.maxUs;
  }

  meanUs(): number {
    return this.count === 0 ? NaN : this.sumUs / this.count;
  }

  toJson(): HistogramJson {
    const buckets: [number, number][] = [];
    for (let b = 0; b < bucketsMax; b++) if (this.counts[b]! > 0) buckets.push([b, this.counts[b]!]);
    return { buckets, count: this.count, minUs: this.count === 0 ? 0 : this.minUs, maxUs: this.maxUs, sumUs: this.sumUs };
  }
}

/** Checks an IPC payload's shape (the parent trusts nothing that crosses a process boundary). */
export function parseHistogramJson(v: unknown): HistogramJson {
  if (typeof v !== 'object' || v === null) throw new TypeError('histogram must be an object');
  const o = v as Record<string, unknown>;
  const num = (k: string): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new TypeError(`histogram.${k} must be a finite number`);
    return x;
  };
  const raw = o['buckets'];
  if (!Array.isArray(raw)) throw new TypeError('histogram.buckets must be an array');
  const buckets = raw.map((p: unknown): [number, number] => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') throw new TypeError('histogram bucket must be [number, number]');
    return [p[0], p[1]];
  });
  return { buckets, count: num('count'), minUs: num('minUs'), maxUs: num('maxUs'), sumUs: num('sumUs') };
}
