import {
  type BusinessSummary,
  type RunSpec,
  summarizeBusiness,
} from '@sousvide/loadtest-contracts';
import { stageStats, type IngestSnapshot } from '@sousvide/run-accounting';
import { LatencyHistogram } from '@sousvide/shared-util';
import type { BrokerStore } from './broker-sys.probe';
import type { BusinessSummaryCollector, DrainOptions } from './business-summary.collector';
import type { GateSettings } from './attempt-verdict';

/**
 * business-summary.json of one attempt, when any gateway counted it: drains the backlog, then,
 * unless everything arrived, measures what is still in flight, and judges against the run's
 * targets and what was published (ADR 0017).
 */
export async function attemptBusinessSummary(
  collector: BusinessSummaryCollector,
  input: {
    spec: RunSpec;
    attempt: number;
    before: IngestSnapshot;
    brokerBefore: BrokerStore | string;
    publishedTotal: number;
    dispatchedAt: number;
    gate: GateSettings;
    drain: DrainOptions;
  },
): Promise<BusinessSummary | undefined> {
  const { spec, publishedTotal } = input;
  const { delta, report } = await collector.drain(
    spec.runId,
    input.before,
    publishedTotal,
    input.drain,
  );
  if (!delta) {
    return undefined;
  }
  const measures =
    report.stopped === 'complete'
      ? { broker: 0, gateways: 0, brokerDropped: null, notes: ['every published message arrived'] }
      : await collector.inFlight(spec.brokerUrl, input.brokerBefore);
  const c = delta.counts;
  return summarizeBusiness({
    runId: spec.runId,
    attempt: input.attempt,
    counts: c,
    latency: LatencyHistogram.fromJSON(delta.latency).stats(),
    stages: stageStats(delta.stages),
    bypass: c.influx_bypass_total > 0 && c.influx_ok_total + c.influx_fail_total === 0,
    publishedTotal,
    inDlq: await collector.dlqEntries(spec.runId, input.dispatchedAt),
    targets: input.gate.targets,
    inFlight: { measures, qos: spec.qos },
    drain: report,
    devices: await collector.deviceAccounting(spec.runId),
  });
}
