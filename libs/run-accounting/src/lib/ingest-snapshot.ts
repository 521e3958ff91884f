import {
  BUSINESS_COUNTERS,
  emptyBusinessCounts,
  type BusinessCounts,
} from '@sousvide/loadtest-contracts';
import { type HistogramJson } from '@sousvide/shared-util';

/** A run's counters and latency histogram as read from Redis at one moment. */
export interface IngestSnapshot {
  counts: BusinessCounts;
  latency: HistogramJson;
}

/**
 * Non-bucket fields of the `runLatency` hash. `minUs` is kept next to `count`/`sumUs`/`maxUs`
 * so a read round-trips a {@link HistogramJson} exactly.
 */
export const LATENCY_FIELDS = {
  count: 'count',
  sumUs: 'sumUs',
  maxUs: 'maxUs',
  minUs: 'minUs',
} as const;

/** A bucket field is a plain decimal bucket index (see LatencyHistogram). */
const BUCKET_FIELD = /^\d+$/;

function intOf(raw: string | undefined): number {
  const n = raw === undefined ? 0 : Number(raw);
  return Number.isFinite(n) ? n : 0;
}

/** Converts HGETALL of `runCounters` into counts; missing counters are 0, unknown fields ignored. */
export function parseCounts(hash: Record<string, string>): BusinessCounts {
  const counts = emptyBusinessCounts();
  for (const c of BUSINESS_COUNTERS) {
    counts[c] = intOf(hash[c]);
  }
  return counts;
}

/** Converts HGETALL of `runLatency` into a sparse {@link HistogramJson} (empty hash = empty histogram). */
export function parseLatency(hash: Record<string, string>): HistogramJson {
  const buckets: Record<string, number> = {};
  for (const [field, raw] of Object.entries(hash)) {
    const n = intOf(raw);
    if (BUCKET_FIELD.test(field) && n !== 0) {
      buckets[field] = n;
    }
  }
  const count = intOf(hash[LATENCY_FIELDS.count]);
  return {
    buckets,
    count,
    // Same convention as LatencyHistogram.toJSON(): extremes are 0 when nothing was recorded.
    minUs: count === 0 ? 0 : intOf(hash[LATENCY_FIELDS.minUs]),
    maxUs: count === 0 ? 0 : intOf(hash[LATENCY_FIELDS.maxUs]),
    sumUs: intOf(hash[LATENCY_FIELDS.sumUs]),
  };
}

/**
 * `after - before` for two reads of the same run, e.g. the part of a run one attempt added.
 * Counters, buckets, count and sum subtract exactly. Extremes cannot be subtracted, so they
 * come from `after`: maxUs is an upper bound and minUs a lower bound of the attempt's own.
 * A negative result means the hash was reset or expired between the reads; it is kept as is so
 * the caller can see it rather than have it hidden by clamping.
 */
export function diffSnapshots(after: IngestSnapshot, before: IngestSnapshot): IngestSnapshot {
  const counts = emptyBusinessCounts();
  for (const c of BUSINESS_COUNTERS) {
    counts[c] = after.counts[c] - before.counts[c];
  }
  const buckets: Record<string, number> = {};
  const keys = new Set([
    ...Object.keys(after.latency.buckets),
    ...Object.keys(before.latency.buckets),
  ]);
  for (const key of keys) {
    const n = (after.latency.buckets[key] ?? 0) - (before.latency.buckets[key] ?? 0);
    if (n !== 0) {
      buckets[key] = n;
    }
  }
  const count = after.latency.count - before.latency.count;
  return {
    counts,
    latency: {
      buckets,
      count,
      minUs: count === 0 ? 0 : after.latency.minUs,
      maxUs: count === 0 ? 0 : after.latency.maxUs,
      sumUs: after.latency.sumUs - before.latency.sumUs,
    },
  };
}

/** Converts the two HGETALL replies (counters hash, latency hash) into a snapshot. */
export function snapshotFromHashes(
  counters: Record<string, string>,
  latency: Record<string, string>,
): IngestSnapshot {
  return { counts: parseCounts(counters), latency: parseLatency(latency) };
}
