/** The cumulative figures one /metrics scrape of a gateway gives the sampler. */
export interface GatewayScrape {
  received: number;
  stored: number;
  failed: number;
  dlq: number;
  spool: number;
  /** The process's start (s since the epoch): a different one means the counters restarted. */
  startTime: number;
  /** Cumulative latency histogram: upper bound (ms) -> count (Prometheus `le` buckets). */
  latencyBuckets: Map<number, number>;
}

const NAMES = {
  received: 'ingest_recv_total',
  stored: 'ingest_pipeline_success_total',
  dlq: 'ingest_dlq_total',
  spooled: 'ingest_spooled_total',
  spool: 'ingest_spool_entries',
} as const;
const FAILED = ['ingest_parse_fail_total', 'ingest_influx_fail_total', 'ingest_redis_fail_total'];

/** Parses the Prometheus text exposition of the gateway's ops port. */
export function parseGatewayMetrics(text: string): GatewayScrape {
  const values = new Map<string, number>();
  const latencyBuckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') {
      continue;
    }
    const bucket = /^ingest_e2e_latency_seconds_bucket\{le="([^"]+)"\} (\S+)/.exec(line);
    if (bucket) {
      const le = bucket[1] === '+Inf' ? Infinity : Number(bucket[1]) * 1000;
      latencyBuckets.set(le, Number(bucket[2]));
      continue;
    }
    const m = /^([a-z_]+) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) {
      values.set(m[1], Number(m[2]));
    }
  }
  const get = (name: string): number => values.get(name) ?? 0;
  return {
    received: get(NAMES.received),
    stored: get(NAMES.stored),
    failed: FAILED.reduce((n, name) => n + get(name), 0),
    dlq: get(NAMES.dlq) + get(NAMES.spooled),
    spool: get(NAMES.spool),
    startTime: get('process_start_time_seconds'),
    latencyBuckets,
  };
}

/**
 * p95 of the observations between two scrapes, as the upper bound of the bucket that holds it
 * (the histogram's resolution); null when nothing was observed.
 */
export function p95Between(before: GatewayScrape, after: GatewayScrape): number | null {
  const bounds = [...after.latencyBuckets.keys()].sort((a, b) => a - b);
  const delta = bounds.map(
    (le) => (after.latencyBuckets.get(le) ?? 0) - (before.latencyBuckets.get(le) ?? 0),
  );
  const total = delta[delta.length - 1] ?? 0;
  if (total <= 0) {
    return null;
  }
  const idx = delta.findIndex((cumulative) => cumulative >= total * 0.95);
  const le = bounds[idx] ?? Infinity;
  return Number.isFinite(le) ? le : Number.MAX_SAFE_INTEGER;
}
