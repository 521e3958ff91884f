import { FAILURE_CLASSES, type FailureCounts } from '@sousvide/loadtest-contracts';
import { diffSnapshots, type IngestSnapshot } from '@sousvide/run-accounting';
import { LatencyHistogram } from '@sousvide/shared-util';
import type { AttemptProgress } from '../run/attempt-supervisor';

/**
 * One second of an attempt in series.jsonl: the agents' view (summed over partitions) and the
 * gateways' (summed in Redis over every instance). Rates are per second of this row; the
 * `_total` fields are the attempt's so far. Gateway fields are absent when no gateway counted
 * the run (or Redis did not answer within the second).
 */
export interface SeriesRow {
  /** Seconds since the attempt's jobs were dispatched. */
  t: number;
  /** Epoch ms of the sample. */
  at: number;
  phase: AttemptProgress['phase'];
  connected: number;
  /** Devices that had connected and are offline now (reconnecting with backoff). */
  reconnecting: number;
  /** Messages whose send time came this second (the offered load as the agents kept it). */
  due: number;
  /** Acknowledged by the broker this second (QoS 1/2), written (QoS 0). */
  acked: number;
  failed: number;
  /** This second's failures by class, only the classes that occurred. */
  failed_by_class: Partial<FailureCounts>;
  /** Largest schedule lag any agent saw this second, ms. */
  schedule_lag_max_ms: number;
  acked_total: number;
  failed_total: number;
  received?: number;
  stored?: number;
  dlq?: number;
  ingest_failed?: number;
  received_total?: number;
  /** Acked by the broker but not (yet) received by a gateway: queued at the broker or in flight. */
  backlog?: number;
  /** e2e latency (payload ts -> pipeline done) of the messages the gateways finished this second. */
  e2e_p50_ms?: number;
  e2e_p95_ms?: number;
  e2e_p99_ms?: number;
}

export interface SeriesSample {
  at: number;
  progress: AttemptProgress;
  /** The run's counters in Redis, minus those read before the attempt's dispatch. */
  ingest?: IngestSnapshot;
}

/** The row for `cur` given the previous sample (undefined for the first). */
export function seriesRow(t: number, cur: SeriesSample, prev?: SeriesSample): SeriesRow {
  const p = cur.progress;
  const q = prev?.progress;
  const byClass: Partial<FailureCounts> = {};
  for (const c of FAILURE_CLASSES) {
    const n = p.failures[c] - (q?.failures[c] ?? 0);
    if (n > 0) {
      byClass[c] = n;
    }
  }
  const row: SeriesRow = {
    t,
    at: cur.at,
    phase: p.phase,
    connected: p.connected,
    reconnecting: p.reconnecting,
    due: Math.max(0, p.due - (q?.due ?? 0)),
    acked: Math.max(0, p.published - (q?.published ?? 0)),
    failed: Math.max(0, p.failed - (q?.failed ?? 0)),
    failed_by_class: byClass,
    schedule_lag_max_ms: p.lagMaxMs,
    acked_total: p.published,
    failed_total: p.failed,
  };
  const g = cur.ingest;
  if (!g) {
    return row;
  }
  const d = prev?.ingest ? diffSnapshots(g, prev.ingest) : g;
  const e2e = LatencyHistogram.fromJSON(d.latency).stats();
  return {
    ...row,
    received: d.counts.recv_total,
    // As the loss accounting counts stored (accountForRun): in bypass mode no Influx write.
    stored:
      d.counts.influx_bypass_total > 0
        ? d.counts.core_pipeline_success_total
        : d.counts.pipeline_success_total,
    dlq: d.counts.dlq_total,
    ingest_failed: d.counts.parse_fail_total + d.counts.influx_fail_total,
    received_total: g.counts.recv_total,
    backlog: Math.max(0, p.published - g.counts.recv_total),
    e2e_p50_ms: e2e.p50,
    e2e_p95_ms: e2e.p95,
    e2e_p99_ms: e2e.p99,
  };
}
