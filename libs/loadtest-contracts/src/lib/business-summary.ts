import { businessCorePipelineSuccessRate, businessPipelineSuccessRate } from './formulas';
import { LatencyStats } from '@sousvide/shared-util';
import { BusinessCounts, IngestStage } from './ingest.constants';
import { accountForRun, type InFlightMeasures, LossAccounting } from './loss-accounting';
import type { DeviceAccounting } from './device-accounting';
import { gateCheck, type GateCheck } from './gate-check';
import { SLO_TARGETS, type SloTargets } from './slo-targets';

/** One SLO of docs/architecture.md section 6 with its target, measured value and verdict. */
export type SloVerdict = GateCheck;

/** Why the summary's drain stopped waiting for the backlog (ADR 0017). */
export type DrainStop = 'complete' | 'stalled' | 'max_wait' | 'interrupted';

/** How long the summary waited after the publish window, and why it stopped. */
export interface DrainReport {
  waited_ms: number;
  stopped: DrainStop;
  /** The stop in words, with the figures it was decided on. */
  detail: string;
  max_wait_ms: number;
  stall_ms: number;
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
  /**
   * Pipeline successes over what the devices published (the SLO's measure): min(parse_ok,
   * influx_ok, redis_ok) / published_total, at most 1. The runbook's rate above divides by what
   * arrived, which reads 100 % for a run cut while most messages were still queued.
   */
  business_pipeline_success_rate_of_published?: number;
  slo: SloVerdict[];
  /** The targets the SLOs were judged against (the runbook's unless set for the run). */
  slo_targets: SloTargets;
  slo_pass: boolean;
  /** The drain after the publish window (absent from summaries written by other tools). */
  drain?: DrainReport;
  /** Messages the simulator published vs what the gateways received in the window. */
  published_total?: number;
  /** published = stored + DLQ + spool + in flight + lost; `lost` must be 0 (needs published and the DLQ count). */
  accounting?: LossAccounting;
  /** Per-device loss, duplication and reordering, from seq per device (ADR 0020). */
  devices?: DeviceAccounting;
}

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
  /** Targets to judge against; the runbook's by default. */
  targets?: SloTargets;
  /** What was measured in flight at the cut-off, and the run's QoS (see accountForRun). */
  inFlight?: { measures: InFlightMeasures; qos: 0 | 1 | 2 };
  drain?: DrainReport;
}): BusinessSummary {
  const c = input.counts;
  const t = input.targets ?? SLO_TARGETS;
  const success = businessPipelineSuccessRate(c, input.bypass);
  const successes = success * c.recv_total;
  const published = input.publishedTotal;
  // Judged against what was published, so what never arrived counts against it (issue 14).
  const ofPublished =
    published === undefined ? undefined : published === 0 ? 0 : Math.min(1, successes / published);
  const attemptsInflux = c.influx_ok_total + c.influx_fail_total;
  const attemptsRedis = c.redis_ok_total + c.redis_fail_total;
  const slo: SloVerdict[] = [
    {
      name: 'ingestion success rate',
      measured: ofPublished === undefined ? pct(successes, c.recv_total) : pct(ofPublished, 1),
      comparison: '>=' as const,
      target: t.ingestionSuccessPct,
      unit: '%' as const,
    },
    {
      name: 'parse failure rate',
      measured: pct(c.parse_fail_total, c.recv_total),
      comparison: '<' as const,
      target: t.parseFailurePct,
      unit: '%' as const,
    },
    {
      name: 'Influx write failure rate',
      measured: pct(c.influx_fail_total, attemptsInflux),
      comparison: '<' as const,
      target: t.influxFailurePct,
      unit: '%' as const,
    },
    {
      name: 'Redis heartbeat failure rate',
      measured: pct(c.redis_fail_total, attemptsRedis),
      comparison: '<' as const,
      target: t.redisFailurePct,
      unit: '%' as const,
    },
    {
      name: 'p95 end-to-end ingest latency',
      measured: input.latency.p95,
      comparison: '<' as const,
      target: t.p95LatencyMs,
      unit: 'ms' as const,
    },
  ].map((check) => gateCheck({ ...check, kind: 'slo' }));
  // Nothing received is not a pass, whatever the rates say.
  const sloPass = c.recv_total > 0 && slo.every((s) => s.pass);
  return {
    runId: input.runId,
    attempt: input.attempt,
    ...c,
    influx_write_mode: input.bypass ? 'bypass' : 'strict',
    business_pipeline_success_rate: Math.round(success * 1e6) / 1e6,
    business_core_pipeline_success_rate: Math.round(businessCorePipelineSuccessRate(c) * 1e6) / 1e6,
    ...(ofPublished !== undefined
      ? { business_pipeline_success_rate_of_published: Math.round(ofPublished * 1e6) / 1e6 }
      : {}),
    e2e_latency_ms: input.latency,
    ...(input.stages && Object.keys(input.stages).length > 0
      ? { stage_latency_ms: input.stages }
      : {}),
    slo,
    slo_targets: t,
    slo_pass: sloPass,
    ...(input.drain ? { drain: input.drain } : {}),
    ...(published !== undefined ? { published_total: published } : {}),
    ...(published !== undefined && input.inDlq !== undefined
      ? {
          accounting: accountForRun({
            published,
            counts: c,
            inDlq: input.inDlq,
            bypass: input.bypass,
            inFlight: input.inFlight,
          }),
        }
      : {}),
    ...(input.devices ? { devices: input.devices } : {}),
  };
}
