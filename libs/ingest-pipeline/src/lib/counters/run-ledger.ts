import type { ChainableCommander } from 'ioredis';
import {
  BUSINESS_COUNTERS,
  emptyBusinessCounts,
  type BusinessCounts,
  type IngestStage,
} from '@sousvide/loadtest-contracts';
import { addCounts, LatencyHistogram, mergeHistograms } from '@sousvide/shared-util';
import type { RunCounters, RunDelta } from '@sousvide/run-accounting';
import {
  heartbeatRefusal,
  type HeartbeatEntry,
  type HeartbeatStore,
} from '@sousvide/ingest-storage';
import type { RedisCircuit } from '../circuit/redis-circuit';
import { duplicatesOf, type IdentitySettlement, type IdentitySettler } from './settle-identities';

/** What one batch (or a spool drain, or a late stage timing) adds to a run. */
export interface RunAddition {
  counts?: Partial<BusinessCounts>;
  latency?: LatencyHistogram;
  stages?: Partial<Record<IngestStage, LatencyHistogram>>;
}

/** A batch's own part of its settle: its heartbeats and its deltas, which fail or apply together. */
export interface BatchSettlement {
  heartbeats: readonly HeartbeatEntry[];
  runs: ReadonlyMap<string, RunAddition>;
}

/** What a settle came to. */
export interface SettleResult {
  /**
   * Set when nothing was sent (the Redis circuit is open): nothing of it applied or ever will, so
   * the batch's heartbeats failed and its deltas are not kept: the caller {@link
   * RunCounterSink.retain}s what the batch counts to now under the same ids. Any other failure
   * (a timeout, a lost connection) may have applied on the server after all, so the ledger keeps
   * the batch's deltas and heartbeats as sent and sends them again (both apply once): to the
   * caller that settle counts as applied.
   */
  notSent?: string;
  /** Heartbeats refused before sending (a ts that is not a number); the others went with it. */
  heartbeatsFailed: { deviceId: string; error: string }[];
  /** The id each of the batch's deltas was sent under. */
  ids: ReadonlyMap<string, string>;
  /**
   * Per stored message of the settlement, in order, whether it had been recorded before (a
   * duplicate: its counts went out as a new message's and need correcting, ADR 0050); undefined
   * when the settle failed or held none.
   */
  duplicates?: boolean[];
}

/** Where the pipeline puts its per-run deltas and settles its identities. */
export interface RunCounterSink {
  add(runId: string, addition: RunAddition): void;
  /**
   * Sends every delta held, with the batch's identities, heartbeats and deltas, in one
   * transaction. Never rejects.
   */
  settle(identities?: IdentitySettlement, batch?: BatchSettlement): Promise<SettleResult>;
  /** Keeps a delta under a given id, for the next settle. */
  retain(runId: string, addition: RunAddition, id: string): void;
}

interface Pending {
  counts: BusinessCounts;
  latency: LatencyHistogram;
  stages: Partial<Record<IngestStage, LatencyHistogram>>;
}

/** A delta Redis did not acknowledge: resent as is, under its id, until it is. */
interface Unacked extends Pending {
  runId: string;
  id: string;
}

export interface RunLedgerDeps {
  /** A fresh transaction on the stores' Redis client: the batch script (ADR 0025) or a MULTI. */
  transaction: () => ChainableCommander;
  /** Where a batch's heartbeats are queued on the transaction. */
  heartbeat?: Pick<HeartbeatStore, 'touchIn'>;
  /** Records a batch's stored messages and their sightings (ADR 0050). */
  identities: Pick<IdentitySettler, 'settleIn'>;
  counters: Pick<RunCounters, 'addIn'>;
  log: (obj: Record<string, unknown>, msg: string) => void;
  /** While Redis is known down, settles keep the deltas without trying. */
  redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>;
  /** Prefix of delta ids: unique per process (gateway id + start time). */
  idPrefix?: string;
}

/**
 * The gateway's per-run counter deltas and the idempotency records they go with. A batch's
 * records and its counters are sent in one transaction: a process killed before it leaves neither,
 * so the broker's redelivery of its unacknowledged messages is stored and counted once; one killed
 * after it leaves both, so the redelivery is recorded as a duplicate, never a second success
 * (ADR 0015, 0050). Deltas Redis did not take are kept and sent with the next settle, so an outage
 * delays the run's counters instead of losing them. Each delta carries an id and applies once, so
 * a delta whose command reached a stalled Redis and ran after the client gave up is not counted
 * twice when it is resent. Memory: one delta per run per failed settle, not per message. Stage
 * timings are summed per run and go with {@link flush} (ADR 0037).
 */
export class RunLedger implements RunCounterSink {
  private pending = new Map<string, Pending>();
  /**
   * Stage timings held for the next {@link flush} (ADR 0037): a batch's settle carries its counts
   * and e2e latency, which the drain and the verdict read; its stage histograms (~100 fields for
   * seven stages) go once per flush interval, not once per batch.
   */
  private timings = new Map<string, Partial<Record<IngestStage, LatencyHistogram>>>();
  private unacked: Unacked[] = [];
  /** Heartbeats of settles that failed after sending: the latest ts per device, sent again. */
  private heartbeats = new Map<string, number>();
  private seq = 0;
  private failing = false;
  private readonly idPrefix: string;

  constructor(private readonly d: RunLedgerDeps) {
    this.idPrefix = d.idPrefix ?? `${process.pid}-${Date.now()}`;
  }

  /** Counts and e2e latency go with the next settle; stage timings with the next flush. */
  add(runId: string, addition: RunAddition): void {
    this.holdTimings(runId, addition.stages);
    if (addition.counts === undefined && addition.latency === undefined) {
      return;
    }
    let p = this.pending.get(runId);
    if (!p) {
      p = emptyPending();
      this.pending.set(runId, p);
    }
    mergeInto(p, { counts: addition.counts, latency: addition.latency });
  }

  /** Keeps counts and e2e latency under `id`; stage timings, which carry no id, for the flush. */
  retain(runId: string, addition: RunAddition, id: string): void {
    this.holdTimings(runId, addition.stages);
    const p = emptyPending();
    mergeInto(p, { counts: addition.counts, latency: addition.latency });
    this.unacked.push({ ...p, runId, id });
  }

  /** Deltas not yet acknowledged by Redis (failed ones, ones not sent yet, held stage timings). */
  get pendingRuns(): number {
    return this.pending.size + this.unacked.length + this.timings.size;
  }

  /** Devices whose heartbeat waits for the next settle (one sent with a failed one). */
  get pendingHeartbeats(): number {
    return this.heartbeats.size;
  }

  /** Sends what is held (no identities), the stage timings included: on a timer and at shutdown. */
  async flush(): Promise<void> {
    for (const [runId, stages] of this.timings) {
      let p = this.pending.get(runId);
      if (!p) {
        p = emptyPending();
        this.pending.set(runId, p);
      }
      mergeInto(p, { stages });
    }
    this.timings = new Map();
    await this.settle();
  }

  private holdTimings(runId: string, stages: RunAddition['stages']): void {
    if (stages === undefined || Object.keys(stages).length === 0) {
      return;
    }
    let held = this.timings.get(runId);
    if (!held) {
      held = {};
      this.timings.set(runId, held);
    }
    mergeHistograms(held, stages);
  }

  /**
   * Sends every unacknowledged delta (same id as before) and the new ones (new ids), with the
   * batch's identities, heartbeats and deltas, in one transaction. Each settle takes its deltas
   * and heartbeats out first, so concurrent settles never send one twice at once; a failed one goes
   * back for the next settle (see SettleResult.notSent). The identities of a failed settle are not
   * retried: unrecorded, a redelivered copy is stored and recorded as new.
   */
  async settle(identities?: IdentitySettlement, batch?: BatchSettlement): Promise<SettleResult> {
    const own = [...(batch?.runs ?? [])].map(([runId, a]) => {
      const p = emptyPending();
      mergeInto(p, { counts: a.counts, latency: a.latency });
      return { ...p, runId, id: this.nextId() };
    });
    const ids = new Map(own.map((u) => [u.runId, u.id]));
    const hasIdentities =
      identities !== undefined && identities.stored.length + identities.unstored.length > 0;
    const unsent = this.pending.size + this.unacked.length + this.heartbeats.size + own.length;
    if (unsent === 0 && !hasIdentities && !batch?.heartbeats.length) {
      return { heartbeatsFailed: [], ids };
    }
    if (this.d.redis !== undefined && !this.d.redis.allow()) {
      // Nothing of the batch is kept: the caller retains it, its stage timings with it.
      return { notSent: REDIS_SKIPPED, heartbeatsFailed: [], ids };
    }
    for (const [runId, a] of batch?.runs ?? []) {
      this.holdTimings(runId, a.stages);
    }
    const held: Unacked[] = [
      ...this.unacked,
      ...[...this.pending].map(([runId, p]) => ({ ...p, runId, id: this.nextId() })),
      ...own,
    ];
    const carried = [...this.heartbeats].map(([deviceId, ts]) => ({ deviceId, ts }));
    this.unacked = [];
    this.pending = new Map();
    this.heartbeats = new Map();
    const tx = this.d.transaction();
    // First, so its reply is the first: which stored messages were duplicates.
    const recorded = identities !== undefined && this.d.identities.settleIn(tx, identities);
    const heartbeats = [...carried, ...(batch?.heartbeats ?? [])];
    const touched = heartbeats.length > 0 ? this.d.heartbeat?.touchIn(tx, heartbeats) : undefined;
    for (const u of held) {
      const delta: RunDelta = {
        counts: u.counts,
        latency: u.latency,
        stages: u.stages,
        deltaId: u.id,
      };
      this.d.counters.addIn(tx, u.runId, delta);
    }
    let error: string | undefined;
    let duplicates: boolean[] | undefined;
    try {
      // A command that fails inside the transaction does not abort the others: each reply says.
      const replies = (await tx.exec()) ?? [];
      const failed = replies.find(([err]) => err !== null)?.[0];
      if (failed) {
        error = failed.message;
      }
      if (recorded && identities && replies[0]?.[0] === null) {
        duplicates = duplicatesOf(replies[0][1], identities.stored.length);
      }
    } catch (err) {
      error = (err as Error).message;
    }
    if (error !== undefined) {
      this.unacked.push(...held);
      for (const { deviceId, ts } of heartbeats) {
        const seen = this.heartbeats.get(deviceId);
        if (heartbeatRefusal(ts) === undefined && (seen === undefined || ts > seen)) {
          this.heartbeats.set(deviceId, ts);
        }
      }
    }
    this.report(error, held.length);
    return {
      heartbeatsFailed: touched?.failed ?? [],
      ids,
      ...(duplicates ? { duplicates } : {}),
    };
  }

  private report(error: string | undefined, runs: number): void {
    if (error !== undefined) {
      this.d.redis?.failed();
      if (!this.failing) {
        this.d.log({ runs, err: error }, 'run counters not updated: kept for the next flush');
      }
    } else {
      this.d.redis?.succeeded();
      if (this.failing) {
        this.d.log({}, 'run counters caught up');
      }
    }
    this.failing = error !== undefined;
  }

  private nextId(): string {
    this.seq += 1;
    return `${this.idPrefix}-${this.seq}`;
  }
}

/** What a settle skipped while the Redis circuit is open reports as its error. */
export const REDIS_SKIPPED = 'REDIS_UNAVAILABLE: skipped while Redis is down (circuit open)';

function emptyPending(): Pending {
  return { counts: emptyBusinessCounts(), latency: new LatencyHistogram(), stages: {} };
}

function mergeInto(p: Pending, addition: RunAddition): void {
  if (addition.counts) {
    addCounts(BUSINESS_COUNTERS, p.counts, addition.counts);
  }
  if (addition.latency) {
    p.latency.merge(addition.latency);
  }
  mergeHistograms(p.stages, addition.stages);
}
