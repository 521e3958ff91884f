/**
 * Mergeable latency histogram with fixed log-linear buckets (HDR-like, 64 sub-buckets per power
 * of two: under 1.6% relative error). Values are recorded in microseconds; the JSON form is sparse
 * so partitions, processes and hosts can ship and add their histograms exactly.
 */
export interface HistogramJson {
  /** Bucket index -> count. */
  buckets: Record<string, number>;
  count: number;
  /** Exact extremes and sum, in microseconds. */
  minUs: number;
  maxUs: number;
  sumUs: number;
}

export interface LatencyStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const LINEAR_LIMIT = 128;
const SUB_BUCKETS = 64;
const MAX_US = 2 ** 31 - 1;

function bucketOf(us: number): number {
  if (us < LINEAR_LIMIT) {
    return us;
  }
  const msb = 31 - Math.clz32(us);
  const shift = msb - 6;
  return LINEAR_LIMIT + (msb - 7) * SUB_BUCKETS + ((us >>> shift) - SUB_BUCKETS);
}

/** Midpoint of a bucket's value range, in microseconds. */
function valueOf(bucket: number): number {
  if (bucket < LINEAR_LIMIT) {
    return bucket;
  }
  const rel = bucket - LINEAR_LIMIT;
  const msb = Math.floor(rel / SUB_BUCKETS) + 7;
  const shift = msb - 6;
  const lower = (SUB_BUCKETS + (rel % SUB_BUCKETS)) * 2 ** shift;
  return lower + 2 ** shift / 2;
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private sum = 0;

  /** Records a latency in milliseconds (negative values count as 0), `times` times. */
  recordMs(ms: number, times = 1): void {
    this.recordUs(Math.round(ms * 1000), times);
  }

  /**
   * Records a latency in microseconds `times` times: a stage that one batch went through once
   * counts once for each message the batch held.
   */
  recordUs(us: number, times = 1): void {
    if (times <= 0) {
      return;
    }
    const v = Math.min(MAX_US, Math.max(0, Math.round(us)));
    const b = bucketOf(v);
    this.counts.set(b, (this.counts.get(b) ?? 0) + times);
    this.n += times;
    this.sum += v * times;
    this.min = Math.min(this.min, v);
    this.max = Math.max(this.max, v);
  }

  get count(): number {
    return this.n;
  }

  merge(other: LatencyHistogram | HistogramJson): this {
    const json = other instanceof LatencyHistogram ? other.toJSON() : other;
    for (const [key, c] of Object.entries(json.buckets)) {
      const b = Number(key);
      this.counts.set(b, (this.counts.get(b) ?? 0) + c);
    }
    if (json.count > 0) {
      this.n += json.count;
      this.sum += json.sumUs;
      this.min = Math.min(this.min, json.minUs);
      this.max = Math.max(this.max, json.maxUs);
    }
    return this;
  }

  /** The value at quantile q (0..1), in milliseconds; 0 when empty. Exact at q = 1. */
  quantileMs(q: number): number {
    if (this.n === 0) {
      return 0;
    }
    if (q >= 1) {
      return this.max / 1000;
    }
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (const b of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(b) ?? 0;
      if (seen >= rank) {
        return Math.min(this.max, Math.max(this.min, valueOf(b))) / 1000;
      }
    }
    return this.max / 1000;
  }

  /**
   * How many recorded values are at most each bound (ms, ascending), each bucket counted at its
   * midpoint like the quantiles: the cumulative `le` buckets of a Prometheus histogram.
   */
  cumulativeAtMs(boundsMs: readonly number[]): number[] {
    const sorted = [...this.counts.entries()].sort(([a], [b]) => a - b);
    const out: number[] = [];
    let i = 0;
    let seen = 0;
    for (const bound of boundsMs) {
      while (i < sorted.length && valueOf(sorted[i][0]) <= bound * 1000) {
        seen += sorted[i][1];
        i += 1;
      }
      out.push(seen);
    }
    return out;
  }

  /** Sum of every recorded value, in milliseconds. */
  get sumMs(): number {
    return this.sum / 1000;
  }

  stats(): LatencyStats {
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    return {
      count: this.n,
      p50: round(this.quantileMs(0.5)),
      p95: round(this.quantileMs(0.95)),
      p99: round(this.quantileMs(0.99)),
      max: round(this.n === 0 ? 0 : this.max / 1000),
      mean: round(this.n === 0 ? 0 : this.sum / this.n / 1000),
    };
  }

  toJSON(): HistogramJson {
    const buckets: Record<string, number> = {};
    for (const [b, c] of this.counts) {
      buckets[String(b)] = c;
    }
    return {
      buckets,
      count: this.n,
      minUs: this.n === 0 ? 0 : this.min,
      maxUs: this.max,
      sumUs: this.sum,
    };
  }

  static fromJSON(json: HistogramJson): LatencyHistogram {
    return new LatencyHistogram().merge(json);
  }
}

/** Adds each named histogram of `from` into the one of the same name in `into` (made when absent). */
export function mergeHistograms<K extends string>(
  into: Partial<Record<K, LatencyHistogram>>,
  from: Partial<Record<K, LatencyHistogram>> | undefined,
): void {
  for (const [name, h] of Object.entries(from ?? {}) as [K, LatencyHistogram][]) {
    (into[name] ??= new LatencyHistogram()).merge(h);
  }
}
