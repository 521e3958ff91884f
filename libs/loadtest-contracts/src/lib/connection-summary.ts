import { ClientModel } from './client-model';
import { addFailureCounts, emptyFailureCounts, FailureCounts } from './failure-class';
import { connectionSuccessRate } from './formulas';
import { LatencyHistogram, LatencyStats } from '@sousvide/shared-util';
import { GeneratorHealth, PartitionResult } from './partition';
import { ReconnectSummary, summarizeReconnects } from './reconnect-stats';
import { ClosedLoopSummary, summarizeClosedLoop } from './closed-loop-summary';
import type { PublishLoop } from './publish-loop';

/** Per-part line of connection-summary.json. */
export interface PartSummary {
  part: number;
  agentId: string;
  status: 'ok' | 'failed';
  error?: string;
  devices: number;
  connected: number;
  connect_failed: number;
  published_total: number;
  failed_total: number;
  throughput_total: number;
  publish_ack_latency_ms: LatencyStats;
  reconnects_succeeded?: number;
  generator?: GeneratorHealth;
  connect_generator?: GeneratorHealth;
}

/** connection-summary.json: one attempt, all parts merged. Key names follow the runbook. */
export interface ConnectionSummary {
  runId: string;
  attempt: number;
  status: 'passed' | 'failed';
  failure_reasons: string[];
  model: ClientModel;
  qos: 0 | 1 | 2;
  devices: number;
  partitions: number;
  connect_parallelism: number;
  mps_per_connection: number;
  duration_sec: number;
  published_total: number;
  failed_total: number;
  scheduled_total: number;
  /** Acked messages per second over the common publish window. */
  throughput_total: number;
  offered_rate: number;
  connection_success_rate: number;
  connected_total: number;
  connect_failed_total: number;
  /** Successful CONNECTs per second over the connect phase. */
  connect_rate_per_sec: number;
  connect_latency_ms: LatencyStats;
  publish_ack_latency_ms: LatencyStats;
  schedule_lag_ms: LatencyStats;
  control_received_total: number;
  failures_by_class: { connect: FailureCounts; publish: FailureCounts; disconnect: FailureCounts };
  /** Lost connections and how their reconnects spread (ADR 0006). */
  reconnects: ReconnectSummary;
  /** An agent could not keep the publish schedule: the backend figures are not a backend result. */
  generator_saturated: boolean;
  /** An agent was CPU-bound while connecting: connect_rate_per_sec is the agent's limit. */
  connect_generator_saturated: boolean;
  /** Why, per part and phase (`part 2 publishing: schedule lag p99 ...`). */
  generator_reasons: string[];
  /** open (fixed input rate) or closed (ADR 0019); absent in summaries older than the closed loop. */
  loop?: PublishLoop;
  /** Closed loop only: achieved vs target rate and where it saturated. */
  closed_loop?: ClosedLoopSummary;
  parts: PartSummary[];
}

/** A part as the coordinator saw it: a result, or the reason there is none. */
export interface PartOutcome {
  part: number;
  devices: number;
  result?: PartitionResult;
  error?: string;
}

export interface AttemptShapeForSummary {
  runId: string;
  attempt: number;
  model: ClientModel;
  qos: 0 | 1 | 2;
  devices: number;
  partitions: number;
  connectParallelism: number;
  mps: number;
  durationSec: number;
  /** Messages each device should send. */
  messagesPerDevice: number;
  /** Absent: open. */
  loop?: PublishLoop;
}

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

function throughput(published: number, start: number, end: number, fallbackSec: number): number {
  const seconds = end > start ? (end - start) / 1000 : fallbackSec;
  return seconds > 0 ? round(published / seconds, 2) : 0;
}

/**
 * Merges part outcomes into connection-summary.json. A part without a result counts all of its
 * scheduled messages as failed, so a lost agent can never make an attempt look better.
 */
export function summarizeConnections(
  shape: AttemptShapeForSummary,
  outcomes: readonly PartOutcome[],
): ConnectionSummary {
  const connectLatency = new LatencyHistogram();
  const ackLatency = new LatencyHistogram();
  const scheduleLag = new LatencyHistogram();
  const failures = {
    connect: emptyFailureCounts(),
    publish: emptyFailureCounts(),
    disconnect: emptyFailureCounts(),
  };
  const reasons: string[] = [];
  let published = 0;
  let failed = 0;
  let scheduled = 0;
  let connected = 0;
  let connectFailed = 0;
  let control = 0;
  let saturated = false;
  let connectSaturated = false;
  const generatorReasons: string[] = [];
  let pubStart = Number.POSITIVE_INFINITY;
  let pubEnd = 0;
  let connStart = Number.POSITIVE_INFINITY;
  let connEnd = 0;
  const parts: PartSummary[] = [];
  const rejections: Record<string, number> = {};

  for (const o of [...outcomes].sort((a, b) => a.part - b.part)) {
    const r = o.result;
    if (!r) {
      const missing = o.devices * shape.messagesPerDevice;
      scheduled += missing;
      failed += missing;
      reasons.push(`part ${o.part}: ${o.error ?? 'no result'}`);
      parts.push({
        part: o.part,
        agentId: 'unknown',
        status: 'failed',
        error: o.error ?? 'no result',
        devices: o.devices,
        connected: 0,
        connect_failed: 0,
        published_total: 0,
        failed_total: missing,
        throughput_total: 0,
        publish_ack_latency_ms: new LatencyHistogram().stats(),
      });
      continue;
    }
    connectLatency.merge(r.connectLatency);
    ackLatency.merge(r.ackLatency);
    scheduleLag.merge(r.scheduleLag);
    addFailureCounts(failures.connect, r.connectFailures);
    for (const [reason, n] of Object.entries(r.connectRejections ?? {})) {
      rejections[reason] = (rejections[reason] ?? 0) + n;
    }
    addFailureCounts(failures.publish, r.publishFailures);
    addFailureCounts(failures.disconnect, r.disconnects);
    published += r.published;
    failed += r.failed;
    scheduled += r.scheduled;
    connected += r.connected;
    connectFailed += r.connectFailed;
    control += r.controlReceived;
    saturated ||= r.generator.saturated;
    connectSaturated ||= r.connectGenerator?.saturated ?? false;
    generatorReasons.push(
      ...(r.connectGenerator?.reasons ?? []).map((why) => `part ${o.part} connecting: ${why}`),
      ...r.generator.reasons.map((why) => `part ${o.part} publishing: ${why}`),
    );
    pubStart = Math.min(pubStart, r.publishStartedAt);
    pubEnd = Math.max(pubEnd, r.publishEndedAt);
    connStart = Math.min(connStart, r.connectStartedAt);
    connEnd = Math.max(connEnd, r.connectEndedAt);
    const partStatus = o.error || r.failed > 0 || r.aborted ? 'failed' : 'ok';
    if (o.error) {
      reasons.push(`part ${o.part}: ${o.error}`);
    } else if (r.aborted) {
      reasons.push(
        `part ${o.part}: aborted after ${r.scheduled} of ${o.devices * shape.messagesPerDevice} scheduled messages`,
      );
    }
    parts.push({
      part: o.part,
      agentId: r.agentId,
      status: partStatus,
      ...(o.error ? { error: o.error } : {}),
      devices: r.devices,
      connected: r.connected,
      connect_failed: r.connectFailed,
      published_total: r.published,
      failed_total: r.failed,
      throughput_total: throughput(
        r.published,
        r.publishStartedAt,
        r.publishEndedAt,
        shape.durationSec,
      ),
      publish_ack_latency_ms: LatencyHistogram.fromJSON(r.ackLatency).stats(),
      reconnects_succeeded: r.reconnects?.succeeded ?? 0,
      generator: r.generator,
      ...(r.connectGenerator ? { connect_generator: r.connectGenerator } : {}),
    });
  }
  if (failed > 0) {
    reasons.push(`${failed} of ${scheduled} scheduled messages failed`);
  }
  if (connectFailed > 0) {
    reasons.push(`${connectFailed} connections failed to connect`);
  }
  for (const [reason, n] of Object.entries(rejections)) {
    reasons.push(`${n} devices: ${reason}`);
  }
  const connectSeconds = connEnd > connStart ? (connEnd - connStart) / 1000 : 0;
  const throughputTotal = throughput(published, pubStart, pubEnd, shape.durationSec);
  const closedLoop = summarizeClosedLoop(
    outcomes.flatMap((o) => (o.result ? [o.result] : [])),
    {
      devices: shape.devices,
      mps: shape.mps,
      achievedRate: throughputTotal,
      windowSec: pubEnd > pubStart ? (pubEnd - pubStart) / 1000 : shape.durationSec,
      ack: ackLatency.stats(),
    },
  );
  return {
    runId: shape.runId,
    attempt: shape.attempt,
    status: reasons.length === 0 ? 'passed' : 'failed',
    failure_reasons: reasons,
    model: shape.model,
    qos: shape.qos,
    devices: shape.devices,
    partitions: shape.partitions,
    connect_parallelism: shape.connectParallelism,
    mps_per_connection: shape.mps,
    duration_sec: shape.durationSec,
    published_total: published,
    failed_total: failed,
    scheduled_total: scheduled,
    throughput_total: throughputTotal,
    offered_rate: round(shape.devices * shape.mps, 2),
    connection_success_rate: round(connectionSuccessRate(published, failed), 6),
    connected_total: connected,
    connect_failed_total: connectFailed,
    connect_rate_per_sec: connectSeconds > 0 ? round(connected / connectSeconds, 1) : 0,
    connect_latency_ms: connectLatency.stats(),
    publish_ack_latency_ms: ackLatency.stats(),
    schedule_lag_ms: scheduleLag.stats(),
    control_received_total: control,
    failures_by_class: failures,
    reconnects: summarizeReconnects(outcomes.map((o) => o.result?.reconnects)),
    generator_saturated: saturated,
    connect_generator_saturated: connectSaturated,
    generator_reasons: generatorReasons,
    loop: shape.loop ?? 'open',
    ...(closedLoop ? { closed_loop: closedLoop } : {}),
    parts,
  };
}
