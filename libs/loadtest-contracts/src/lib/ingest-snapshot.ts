import { HistogramJson } from './histogram';
import { BUSINESS_COUNTERS, BusinessCounts, emptyBusinessCounts } from './ingest.constants';

/** A run's counters and latency histogram as read from Redis at one moment. */
export interface IngestSnapshot {
  counts: BusinessCounts;
  latency: HistogramJson;
}

const LATENCY_META = new Set(['count', 'sumUs', 'maxUs', 'minUs']);

/** Converts the two HGETALL replies (counters hash, latency hash) into a snapshot. */
export function snapshotFromHashes(
  counters: Record<string, string>,
  latency: Record<string, string>,
): IngestSnapshot {
  const counts = emptyBusinessCounts();
  for (const name of BUSINESS_COUNTERS) {
    counts[name] = Number(counters[name] ?? 0);
  }
  const buckets: Record<string, number> = {};
  for (const [field, value] of Object.entries(latency)) {
    if (!LATENCY_META.has(field)) {
      buckets[field] = Number(value);
    }
  }
  return {
    counts,
    latency: {
      buckets,
      count: Number(latency['count'] ?? 0),
      sumUs: Number(latency['sumUs'] ?? 0),
      maxUs: Number(latency['maxUs'] ?? 0),
      minUs: Number(latency['minUs'] ?? 0),
    },
  };
}

/**
 * What happened between two snapshots of the same run: counter and bucket deltas. The max is the
 * later snapshot's (a running max cannot be subtracted).
 */
export function diffSnapshots(after: IngestSnapshot, before: IngestSnapshot): IngestSnapshot {
  const counts = emptyBusinessCounts();
  for (const name of BUSINESS_COUNTERS) {
    counts[name] = after.counts[name] - before.counts[name];
  }
  const buckets: Record<string, number> = {};
  for (const [b, n] of Object.entries(after.latency.buckets)) {
    const d = n - (before.latency.buckets[b] ?? 0);
    if (d > 0) {
      buckets[b] = d;
    }
  }
  return {
    counts,
    latency: {
      buckets,
      count: after.latency.count - before.latency.count,
      sumUs: after.latency.sumUs - before.latency.sumUs,
      maxUs: after.latency.maxUs,
      minUs: 0,
    },
  };
}
