import {
  BUSINESS_COUNTERS,
  BusinessCounter,
  BusinessCounts,
  DlqEntry,
  DlqKind,
  emptyBusinessCounts,
  type IngestStage,
} from '@sousvide/loadtest-contracts';
import { addCounts, LatencyHistogram, mergeHistograms } from '@sousvide/shared-util';

/** What one batch adds to one run: counters, e2e latency, stage histograms. */
export interface RunBatch {
  counts: BusinessCounts;
  latency: LatencyHistogram;
  stages: Partial<Record<IngestStage, LatencyHistogram>>;
}

/** Counter deltas, latencies, stage timings and DLQ entries of one batch, grouped by run. */
export class BatchAccounting {
  readonly runs = new Map<string, RunBatch>();
  readonly dlq: DlqEntry[] = [];
  /** The batch's e2e latencies and stage timings over every run, for this instance's /metrics. */
  readonly latency = new LatencyHistogram();
  readonly stages: Partial<Record<IngestStage, LatencyHistogram>> = {};

  constructor(private readonly gatewayId: string) {}

  count(runId: string, counter: BusinessCounter, n = 1): void {
    this.run(runId).counts[counter] += n;
  }

  latencyMs(runId: string, ms: number): void {
    this.run(runId).latency.recordMs(ms);
    this.latency.recordMs(ms);
  }

  /** `ms` spent in `stage` by `times` messages of the run (a batch stage counts per message). */
  stage(runId: string, stage: IngestStage, ms: number, times = 1): void {
    const r = this.run(runId);
    (r.stages[stage] ??= new LatencyHistogram()).recordMs(ms, times);
    (this.stages[stage] ??= new LatencyHistogram()).recordMs(ms, times);
  }

  /** One batch-wide duration, counted once for each of `messages` under its run. */
  stageAll(stage: IngestStage, ms: number, messages: readonly { runId: string }[]): void {
    const perRun = new Map<string, number>();
    for (const { runId } of messages) {
      perRun.set(runId, (perRun.get(runId) ?? 0) + 1);
    }
    for (const [runId, n] of perRun) {
      this.stage(runId, stage, ms, n);
    }
  }

  /** Messages of each run this batch counted as received (new or a copy): who a batch stage delayed. */
  messagesByRun(): { runId: string; n: number }[] {
    return [...this.runs].map(([runId, r]) => ({
      runId,
      n: r.counts.recv_total + r.counts.duplicate_total,
    }));
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

  /** Adds another accounting's counters, latencies and stage timings (not its DLQ entries). */
  add(other: BatchAccounting): this {
    for (const [runId, o] of other.runs) {
      const r = this.run(runId);
      addCounts(BUSINESS_COUNTERS, r.counts, o.counts);
      r.latency.merge(o.latency);
      mergeHistograms(r.stages, o.stages);
    }
    this.latency.merge(other.latency);
    mergeHistograms(this.stages, other.stages);
    return this;
  }

  /**
   * Each run's counters summed with `other`'s, without changing either: the deltas a settle sends
   * as if it applies. Shares the histograms where only one side has any (the usual case, so a
   * batch pays no histogram copies for it).
   */
  with(other: BatchAccounting): Map<string, RunBatch> {
    const out = new Map<string, RunBatch>();
    for (const [runId, r] of this.runs) {
      const o = other.runs.get(runId);
      if (!o) {
        out.set(runId, r);
        continue;
      }
      if (Object.keys(o.stages).length > 0) {
        const both = new BatchAccounting(this.gatewayId);
        both.add(this).add(other);
        return both.runs;
      }
      const counts = addCounts(BUSINESS_COUNTERS, { ...r.counts }, o.counts);
      const latency =
        o.latency.count === 0
          ? r.latency
          : r.latency.count === 0
            ? o.latency
            : new LatencyHistogram().merge(r.latency).merge(o.latency);
      out.set(runId, { counts, latency, stages: r.stages });
    }
    for (const [runId, o] of other.runs) {
      if (!out.has(runId)) {
        out.set(runId, o);
      }
    }
    return out;
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

  private run(runId: string): RunBatch {
    let r = this.runs.get(runId);
    if (!r) {
      r = { counts: emptyBusinessCounts(), latency: new LatencyHistogram(), stages: {} };
      this.runs.set(runId, r);
    }
    return r;
  }
}
