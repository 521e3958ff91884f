import { businessCorePipelineSuccessRate, businessPipelineSuccessRate } from './formulas';
import { LatencyStats } from '@sousvide/shared-util';
import { BusinessCounts, IngestStage } from './ingest.constants';
import { accountForRun, LossAccounting } from './loss-accounting';
import type { DeviceAccounting } from './device-accounting';

/** One SLO of docs/architecture.md section 6 with its measured value and verdict. */
export interface SloVerdict {
  name: string;
  measured: number;
  comparison: '>=' | '<';
  target: number;
  unit: '%' | 'ms';
  pass: boolean;
}

/** business-summary.json: the backend's view of one attempt. */
export interface BusinessSummary extends BusinessCounts {
  runId: string;
  attempt: number;
  influx_write_mode: 'strict' | 'bypass';
  business_pipeline_success_rate: number;
  business_core_pipeline_success_rate: number;
  e2e_latency_ms: LatencyStats;
  /**
   * Where the time went in the gateways, per stage (INGEST_STAGES): a slow run says which stage
   * was slow. Absent when the gateways recorded none (older gateways).
   */
  stage_latency_ms?: Partial<Record<IngestStage, LatencyStats>>;
  slo: SloVerdict[];
  slo_pass: boolean;
  /** Messages the simulator published vs what the gateways received in the window. */
  published_total?: number;
  /** published = stored + in DLQ + in spool; `lost` must be 0 (needs published and the DLQ count). */
  accounting?: LossAccounting;
  /** Per-device loss, duplication and reordering, from seq per device (ADR 0020). */
  devices?: DeviceAccounting;
}

export const SLO_TARGETS = {
  ingestionSuccessPct: 99.9,
  parseFailurePct: 0.1,
  influxFailurePct: 0.5,
  redisFailurePct: 0.5,
  p95LatencyMs: 200,
} as const;

const pct = (n: number, d: number): number => (d === 0 ? 0 : Math.round((n / d) * 100 * 1e4) / 1e4);

/** Builds business-summary.json from counter deltas and the latency histogram of an attempt. */
export function summarizeBusiness(input: {
  runId: string;
  attempt: number;
  counts: BusinessCounts;
  latency: LatencyStats;
  stages?: Partial<Record<IngestStage, LatencyStats>>;
  bypass: boolean;
  publishedTotal?: number;
  /** The attempt's entries in the DLQ now (see accountForRun). */
  inDlq?: number;
  devices?: DeviceAccounting;
}): BusinessSummary {
  const c = input.counts;
  const success = businessPipelineSuccessRate(c, input.bypass);
  const attemptsInflux = c.influx_ok_total + c.influx_fail_total;
  const attemptsRedis = c.redis_ok_total + c.redis_fail_total;
  const slo: SloVerdict[] = [
    {
      name: 'ingestion success rate',
      measured: pct(success * c.recv_total, c.recv_total),
      comparison: '>=',
      target: SLO_TARGETS.ingestionSuccessPct,
      unit: '%',
      pass: false,
    },
    {
      name: 'parse failure rate',
      measured: pct(c.parse_fail_total, c.recv_total),
      comparison: '<',
      target: SLO_TARGETS.parseFailurePct,
      unit: '%',
      pass: false,
    },
    {
      name: 'Influx write failure rate',
      measured: pct(c.influx_fail_total, attemptsInflux),
      comparison: '<',
      target: SLO_TARGETS.influxFailurePct,
      unit: '%',
      pass: false,
    },
    {
      name: 'Redis heartbeat failure rate',
      measured: pct(c.redis_fail_total, attemptsRedis),
      comparison: '<',
      target: SLO_TARGETS.redisFailurePct,
      unit: '%',
      pass: false,
    },
    {
      name: 'p95 end-to-end ingest latency',
      measured: input.latency.p95,
      comparison: '<',
      target: SLO_TARGETS.p95LatencyMs,
      unit: 'ms',
      pass: false,
    },
  ].map((s) => ({
    ...s,
    comparison: s.comparison as '>=' | '<',
    unit: s.unit as '%' | 'ms',
    pass: s.comparison === '>=' ? s.measured >= s.target : s.measured < s.target,
  }));
  // Nothing received is not a pass, whatever the rates say.
  const sloPass = c.recv_total > 0 && slo.every((s) => s.pass);
  return {
    runId: input.runId,
    attempt: input.attempt,
    ...c,
    influx_write_mode: input.bypass ? 'bypass' : 'strict',
    business_pipeline_success_rate: Math.round(success * 1e6) / 1e6,
    business_core_pipeline_success_rate: Math.round(businessCorePipelineSuccessRate(c) * 1e6) / 1e6,
    e2e_latency_ms: input.latency,
    ...(input.stages && Object.keys(input.stages).length > 0
      ? { stage_latency_ms: input.stages }
      : {}),
    slo,
    slo_pass: sloPass,
    ...(input.publishedTotal !== undefined ? { published_total: input.publishedTotal } : {}),
    ...(input.publishedTotal !== undefined && input.inDlq !== undefined
      ? {
          accounting: accountForRun({
            published: input.publishedTotal,
            counts: c,
            inDlq: input.inDlq,
            bypass: input.bypass,
          }),
        }
      : {}),
    ...(input.devices ? { devices: input.devices } : {}),
  };
}
