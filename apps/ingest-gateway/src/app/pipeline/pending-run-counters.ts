import {
  BUSINESS_COUNTERS,
  emptyBusinessCounts,
  LatencyHistogram,
  type BusinessCounts,
} from '@sousvide/loadtest-contracts';
import type { RunCounters } from '@sousvide/ingest-storage';
import type { RedisCircuit } from './redis-circuit';

/** Where the pipeline puts its per-run counter deltas. */
export interface RunCounterSink {
  add(runId: string, counts: Partial<BusinessCounts>, latency?: LatencyHistogram): void;
  flush(): Promise<void>;
}

interface Pending {
  counts: BusinessCounts;
  latency: LatencyHistogram;
}

/**
 * Keeps per-run counter deltas that Redis did not take and sends them with the next flush, so a
 * Redis outage delays the run's counters instead of losing them (the loss accounting needs every
 * message counted). Memory is one counter set and histogram per run with pending deltas, not per
 * message. A delta whose MULTI reached Redis but whose reply was lost is sent again: that rare
 * double count is the price of not losing counts, and shows up as negative `lost`.
 */
export class PendingRunCounters implements RunCounterSink {
  private pending = new Map<string, Pending>();
  private failing = false;

  constructor(
    private readonly counters: Pick<RunCounters, 'add'>,
    private readonly log: (obj: Record<string, unknown>, msg: string) => void,
    /** While Redis is known down, flushes keep the deltas without trying. */
    private readonly redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>,
  ) {}

  add(runId: string, counts: Partial<BusinessCounts>, latency?: LatencyHistogram): void {
    let p = this.pending.get(runId);
    if (!p) {
      p = { counts: emptyBusinessCounts(), latency: new LatencyHistogram() };
      this.pending.set(runId, p);
    }
    for (const c of BUSINESS_COUNTERS) {
      p.counts[c] += counts[c] ?? 0;
    }
    if (latency) {
      p.latency.merge(latency);
    }
  }

  /** Runs with deltas not yet in Redis. */
  get pendingRuns(): number {
    return this.pending.size;
  }

  /**
   * Sends every pending delta. Each flush takes the deltas out first, so concurrent flushes never
   * send one twice; a failed run's delta is merged back for the next flush. Never rejects.
   */
  async flush(): Promise<void> {
    if (this.pending.size === 0 || (this.redis !== undefined && !this.redis.allow())) {
      return;
    }
    const taken = this.pending;
    this.pending = new Map();
    let failed = 0;
    let error = '';
    await Promise.all(
      [...taken].map(async ([runId, p]) => {
        try {
          await this.counters.add(runId, p.counts, p.latency);
        } catch (err) {
          failed += 1;
          error = (err as Error).message;
          this.add(runId, p.counts, p.latency);
        }
      }),
    );
    if (failed > 0) {
      this.redis?.failed();
    } else {
      this.redis?.succeeded();
    }
    if (failed > 0 && !this.failing) {
      this.log({ runs: failed, err: error }, 'run counters not updated: kept for the next flush');
    } else if (failed === 0 && this.failing) {
      this.log({}, 'run counters caught up');
    }
    this.failing = failed > 0;
  }
}
