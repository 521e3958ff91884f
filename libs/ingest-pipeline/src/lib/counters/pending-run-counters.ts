import {
  BUSINESS_COUNTERS,
  emptyBusinessCounts,
  type BusinessCounts,
} from '@sousvide/loadtest-contracts';
import { addCounts, LatencyHistogram } from '@sousvide/shared-util';
import type { RunCounters } from '@sousvide/run-accounting';
import type { RedisCircuit } from '../circuit/redis-circuit';

/** Where the pipeline puts its per-run counter deltas. */
export interface RunCounterSink {
  add(runId: string, counts: Partial<BusinessCounts>, latency?: LatencyHistogram): void;
  flush(): Promise<void>;
}

interface Pending {
  counts: BusinessCounts;
  latency: LatencyHistogram;
}

/** A delta Redis did not acknowledge: resent as is, under its id, until it is. */
interface Unacked extends Pending {
  runId: string;
  id: string;
}

/**
 * Keeps per-run counter deltas that Redis did not take and sends them with the next flush, so a
 * Redis outage delays the run's counters instead of losing them (the loss accounting needs every
 * message counted). Each sent delta carries an id and RunCounters applies an id once, so a delta
 * whose command reached a stalled Redis and ran after the client gave up is not counted twice
 * when it is resent. Memory: one delta per run per failed flush, not per message.
 */
export class PendingRunCounters implements RunCounterSink {
  private pending = new Map<string, Pending>();
  private unacked: Unacked[] = [];
  private seq = 0;
  private failing = false;

  constructor(
    private readonly counters: Pick<RunCounters, 'add'>,
    private readonly log: (obj: Record<string, unknown>, msg: string) => void,
    /** While Redis is known down, flushes keep the deltas without trying. */
    private readonly redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>,
    /**
     * Prefix of delta ids, unique per process: the wiring passes the gateway id and start time
     * (pids repeat across containers, where every gateway may be pid 1); tests keep the default.
     */
    private readonly idPrefix = `${process.pid}-${Date.now()}`,
  ) {}

  add(runId: string, counts: Partial<BusinessCounts>, latency?: LatencyHistogram): void {
    let p = this.pending.get(runId);
    if (!p) {
      p = { counts: emptyBusinessCounts(), latency: new LatencyHistogram() };
      this.pending.set(runId, p);
    }
    addCounts(BUSINESS_COUNTERS, p.counts, counts);
    if (latency) {
      p.latency.merge(latency);
    }
  }

  /** Deltas not yet acknowledged by Redis (failed ones and ones not sent yet). */
  get pendingRuns(): number {
    return this.pending.size + this.unacked.length;
  }

  /**
   * Sends every unacknowledged delta (same id as before) and the new ones (new ids). Each flush
   * takes its deltas out first, so concurrent flushes never send one twice at once; a failed one
   * goes back for the next flush. Never rejects.
   */
  async flush(): Promise<void> {
    if (this.pendingRuns === 0 || (this.redis !== undefined && !this.redis.allow())) {
      return;
    }
    const batch: Unacked[] = [
      ...this.unacked,
      ...[...this.pending].map(([runId, p]) => ({ ...p, runId, id: this.nextId() })),
    ];
    this.unacked = [];
    this.pending = new Map();
    let failed = 0;
    let error = '';
    await Promise.all(
      batch.map(async (d) => {
        try {
          await this.counters.add(d.runId, d.counts, d.latency, d.id);
        } catch (err) {
          failed += 1;
          error = (err as Error).message;
          this.unacked.push(d);
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

  private nextId(): string {
    this.seq += 1;
    return `${this.idPrefix}-${this.seq}`;
  }
}
