import {
  BUSINESS_COUNTERS,
  emptyBusinessCounts,
  INGEST_STAGES,
  type BusinessCounts,
  type IngestStage,
} from '@sousvide/loadtest-contracts';
import { LatencyHistogram, type HistogramJson, type LatencyStats } from '@sousvide/shared-util';

/** A run's counters, e2e latency and stage histograms as read from Redis at one moment. */
export interface IngestSnapshot {
  counts: BusinessCounts;
  latency: HistogramJson;
  /** Where the time went, per stage (ADR 0015); stages nothing was recorded for are absent. */
  stages: Partial<Record<IngestStage, HistogramJson>>;
}

/**
 * A stage's histogram field in the `runLatency` hash: `<stage>:<field>` beside the e2e
 * histogram's plain fields, so one HGETALL reads all of them and older readers skip them.
 */
export function stageField(stage: string, field: string): string {
  return `${stage}:${field}`;
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

/** The stage histograms of a `runLatency` hash (fields `<stage>:<field>`). */
export function parseStages(hash: Record<string, string>): IngestSnapshot['stages'] {
  const byStage = new Map<string, Record<string, string>>();
  for (const [field, raw] of Object.entries(hash)) {
    const at = field.indexOf(':');
    if (at > 0) {
      const stage = field.slice(0, at);
      const fields = byStage.get(stage) ?? {};
      fields[field.slice(at + 1)] = raw;
      byStage.set(stage, fields);
    }
  }
  const stages: IngestSnapshot['stages'] = {};
  for (const stage of INGEST_STAGES) {
    const fields = byStage.get(stage);
    if (fields) {
      stages[stage] = parseLatency(fields);
    }
  }
  return stages;
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
  const stages: IngestSnapshot['stages'] = {};
  for (const stage of INGEST_STAGES) {
    const a = after.stages?.[stage];
    if (a) {
      stages[stage] = diffHistograms(a, before.stages?.[stage]);
    }
  }
  return { counts, latency: diffHistograms(after.latency, before.latency), stages };
}

function diffHistograms(after: HistogramJson, before: HistogramJson | undefined): HistogramJson {
  const prior = before ?? { buckets: {}, count: 0, minUs: 0, maxUs: 0, sumUs: 0 };
  const buckets: Record<string, number> = {};
  const keys = new Set([...Object.keys(after.buckets), ...Object.keys(prior.buckets)]);
  for (const key of keys) {
    const n = (after.buckets[key] ?? 0) - (prior.buckets[key] ?? 0);
    if (n !== 0) {
      buckets[key] = n;
    }
  }
  const count = after.count - prior.count;
  return {
    buckets,
    count,
    minUs: count === 0 ? 0 : after.minUs,
    maxUs: count === 0 ? 0 : after.maxUs,
    sumUs: after.sumUs - prior.sumUs,
  };
}

/** Converts the two HGETALL replies (counters hash, latency hash) into a snapshot. */
export function snapshotFromHashes(
  counters: Record<string, string>,
  latency: Record<string, string>,
): IngestSnapshot {
  return {
    counts: parseCounts(counters),
    latency: parseLatency(latency),
    stages: parseStages(latency),
  };
}

/** Percentiles of each stage a snapshot holds, for business-summary.json's `stage_latency_ms`. */
export function stageStats(
  stages: IngestSnapshot['stages'],
): Partial<Record<IngestStage, LatencyStats>> {
  const out: Partial<Record<IngestStage, LatencyStats>> = {};
  for (const stage of INGEST_STAGES) {
    const h = stages[stage];
    if (h && h.count > 0) {
      out[stage] = LatencyHistogram.fromJSON(h).stats();
    }
  }
  return out;
}
