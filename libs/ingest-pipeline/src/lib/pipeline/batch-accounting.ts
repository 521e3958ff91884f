import {
  BusinessCounter,
  BusinessCounts,
  DlqEntry,
  DlqKind,
  emptyBusinessCounts,
} from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';

/** Counter deltas, latencies and DLQ entries of one batch, grouped by run. */
export class BatchAccounting {
  readonly runs = new Map<string, { counts: BusinessCounts; latency: LatencyHistogram }>();
  readonly dlq: DlqEntry[] = [];
  /** Every end-to-end latency of the batch, for this instance's Prometheus histogram. */
  readonly latenciesMs: number[] = [];

  constructor(private readonly gatewayId: string) {}

  count(runId: string, counter: BusinessCounter, n = 1): void {
    this.run(runId).counts[counter] += n;
  }

  latency(runId: string, ms: number): void {
    this.run(runId).latency.recordMs(ms);
    this.latenciesMs.push(ms);
  }

  fail(
    kind: DlqKind,
    fields: { key: string; topic: string; payload: Buffer; runId?: string; deviceId?: string },
    error: { code: string; message: string },
  ): void {
    this.dlq.push({
      kind,
      key: fields.key,
      topic: fields.topic,
      payloadBase64: fields.payload.toString('base64'),
      error,
      ...(fields.runId ? { runId: fields.runId } : {}),
      ...(fields.deviceId ? { deviceId: fields.deviceId } : {}),
      failedAt: Date.now(),
      gatewayId: this.gatewayId,
    });
  }

  /** Totals over every run, for the Prometheus counters. */
  totals(): BusinessCounts {
    const total = emptyBusinessCounts();
    for (const { counts } of this.runs.values()) {
      for (const k of Object.keys(total) as BusinessCounter[]) {
        total[k] += counts[k];
      }
    }
    return total;
  }

  private run(runId: string): { counts: BusinessCounts; latency: LatencyHistogram } {
    let r = this.runs.get(runId);
    if (!r) {
      r = { counts: emptyBusinessCounts(), latency: new LatencyHistogram() };
      this.runs.set(runId, r);
    }
    return r;
  }
}
