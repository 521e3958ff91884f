import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { RedisCircuit } from '../circuit/redis-circuit';
import { heartbeatRefusal } from '@sousvide/ingest-storage';
import type { ClaimSettlement, RunCounterSink, SettleResult } from '../counters/run-ledger';
import type { MessageStorage } from '../storage/message-storage';
import { DeliveryParser } from '../parse/delivery-parser';
import { BatchAccounting } from './batch-accounting';
import { claimBatch, type Claims } from './claim-batch';
import { deadLetter, type DlqSink } from './dead-letter';
import { parseBatch } from './parse-batch';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';
import { sightingsOf } from './sightings';
import { accountHeartbeat, accountInflux, shedAll, type InfluxStaged } from './store-batch';

/** What the pipeline is wired to; the module builds it from providers, a test from fakes. */
export interface PipelineDeps {
  storage: Pick<MessageStorage, 'store'>;
  idempotency: Claims;
  /** Per-run deltas, and the one transaction that commits claims together with them. */
  counters: RunCounterSink;
  dlq: DlqSink;
  bypassInflux: boolean;
  gatewayId: string;
  /** Skips Redis steps at once while Redis is known down (see RedisCircuit); none = always try. */
  redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>;
  /** The parse step's rules (intake has usually applied them already); default bounds if none. */
  parser?: DeliveryParser;
  onBatch?: (acc: BatchAccounting) => void;
  log: (obj: Record<string, unknown>, msg: string) => void;
}

export interface ProcessOptions {
  /**
   * Shed (the buffer is full behind a slow store): parse, count and dead-letter each new message
   * as an `influx` failure (`SHED_BUFFER_FULL`) without storing it; a replay stores it later.
   * Nothing is dropped and memory stays bounded.
   */
  shed?: boolean;
  /** Aborted when the gateway gives up on the batch (shutdown deadline). */
  signal?: AbortSignal;
}

/**
 * One batch through parse -> idempotency claim -> storage (Influx and heartbeat in parallel) ->
 * DLQ -> settle (claims committed or released, and the run counters, in one transaction). When
 * `process` resolves, every message of the batch is durable: stored, in the DLQ or in the
 * fsync'd spool, or a counted copy of one that is; only then may the broker be acknowledged
 * (ADR 0015). Every received copy ends counted in exactly one of parse_fail / duplicate /
 * parse_ok, and every new message a stage failed becomes exactly one DLQ entry. Each stage is
 * timed (INGEST_STAGES) per run, so a slow run says which stage was slow.
 */
export class IngestPipeline {
  private readonly parser: DeliveryParser;

  constructor(private readonly deps: PipelineDeps) {
    this.parser = deps.parser ?? new DeliveryParser();
  }

  async process(batch: readonly RawMessage[], opts: ProcessOptions = {}): Promise<BatchAccounting> {
    const d = this.deps;
    const startedAt = Date.now();
    const acc = new BatchAccounting(d.gatewayId);
    const parsed = parseBatch(batch, acc, this.parser);
    for (const p of parsed) {
      acc.stage(p.runId, 'broker', p.raw.receivedAt - p.msg.ts);
      acc.stage(p.runId, 'queue', startedAt - p.raw.receivedAt);
    }
    let t = Date.now();
    const claims = await claimBatch(parsed, d.idempotency, d.redis, d.log);
    acc.stageAll('claim', Date.now() - t, parsed);
    const fresh = this.countClaims(parsed, claims, acc);
    const sightings = claims ? sightingsOf(parsed, claims) : undefined;
    try {
      const staged = opts.shed ? shedAll(fresh, acc) : await this.store(fresh, acc);
      // Heartbeats go with the settle (one script, ADR 0025); their counts are sent as if it
      // applies, and corrected when it does not.
      const ok = new BatchAccounting(d.gatewayId);
      const stored = accountHeartbeat(staged, ok, (p) => heartbeatRefusal(p.msg.ts));
      acc.dlq.push(...ok.dlq.splice(0));
      t = Date.now();
      const failedEntries = acc.dlq.length;
      await deadLetter(acc, d.dlq, d.log, opts.signal);
      if (failedEntries > 0) {
        acc.stageAll(
          'dlq',
          Date.now() - t,
          acc.dlq.map((e) => ({ runId: e.runId ?? NO_RUN_ID })),
        );
      }
      t = Date.now();
      const res = await d.counters.settle(
        claims ? settlement(fresh, stored, sightings) : undefined,
        {
          heartbeats: staged.map(({ p }) => p.msg),
          runs: acc.with(ok),
        },
      );
      if (res.notSent === undefined) {
        acc.add(ok);
      } else {
        await this.heartbeatsFailed(staged, acc, res.notSent, res.ids, opts.signal);
      }
      this.settleTime(acc, Date.now() - t, staged.length > 0);
    } catch (err) {
      // Not durable: the batch will be tried again (or abandoned unacked). Its claims must not
      // make that retry, or the broker's redelivery, look like a copy of a message in flight.
      if (claims) {
        await d.idempotency.release(fresh.map((p) => p.msg)).catch(() => undefined);
      }
      throw err;
    }
    d.onBatch?.(acc);
    return acc;
  }

  /**
   * The settle was not sent (Redis known down), so the heartbeats were not recorded: they count
   * as failed, their messages go to the DLQ (a replay records them), and the batch's deltas are
   * kept, corrected, under the ids they were given, for the next settle.
   */
  private async heartbeatsFailed(
    staged: readonly InfluxStaged[],
    acc: BatchAccounting,
    error: string,
    ids: SettleResult['ids'],
    signal?: AbortSignal,
  ): Promise<void> {
    const failed = new BatchAccounting(this.deps.gatewayId);
    const refused = (s: InfluxStaged) => heartbeatRefusal(s.p.msg.ts) !== undefined;
    accountHeartbeat(staged.filter(refused), failed, (p) => heartbeatRefusal(p.msg.ts));
    failed.dlq.length = 0; // dead-lettered with the batch before the settle
    accountHeartbeat(
      staged.filter((s) => !refused(s)),
      failed,
      () => error,
    );
    await deadLetter(failed, this.deps.dlq, this.deps.log, signal);
    acc.add(failed);
    acc.dlq.push(...failed.dlq);
    for (const [runId, r] of acc.runs) {
      const id = ids.get(runId);
      if (id === undefined) {
        this.deps.counters.add(runId, r);
      } else {
        this.deps.counters.retain(runId, r, id);
      }
    }
  }

  /**
   * The settle time reaches Redis with the next settle (it is measured after this one); the
   * heartbeats were in the same round trip, so their stage has the same time.
   */
  private settleTime(acc: BatchAccounting, ms: number, heartbeats: boolean): void {
    for (const { runId, n } of acc.messagesByRun()) {
      acc.stage(runId, 'settle', ms, n);
      // A run of only copies (or a shed batch) had no heartbeat in this settle.
      const fresh = acc.runs.get(runId)?.counts.recv_total ?? 0;
      if (heartbeats && fresh > 0) {
        acc.stage(runId, 'heartbeat', ms, fresh);
      }
      const { settle, heartbeat } = acc.runs.get(runId)?.stages ?? {};
      this.deps.counters.add(runId, { stages: heartbeat ? { settle, heartbeat } : { settle } });
    }
  }

  /** New messages go on; copies of stored or in-flight ones are counted as duplicates. */
  private countClaims(
    parsed: readonly ParsedMessage[],
    claims: readonly string[] | undefined,
    acc: BatchAccounting,
  ): ParsedMessage[] {
    const fresh: ParsedMessage[] = [];
    parsed.forEach((p, i) => {
      if ((claims?.[i] ?? 'new') === 'new') {
        acc.count(p.runId, 'recv_total');
        acc.count(p.runId, 'parse_ok_total');
        fresh.push(p);
      } else {
        acc.count(p.runId, 'duplicate_total');
      }
    });
    return fresh;
  }

  /** The Influx stage (heartbeats go with the settle). */
  private async store(
    fresh: readonly ParsedMessage[],
    acc: BatchAccounting,
  ): Promise<InfluxStaged[]> {
    const timings = { influxMs: 0, heartbeatMs: 0 };
    const outcomes = await this.deps.storage.store(
      fresh.map((p) => p.msg),
      { bypassInflux: this.deps.bypassInflux, heartbeat: false, timings },
    );
    if (fresh.length > 0 && !this.deps.bypassInflux) {
      acc.stageAll('store', timings.influxMs, fresh);
    }
    return accountInflux(fresh, outcomes, acc, this.deps.bypassInflux);
  }
}

/** The claims a batch settles: commit what was stored, release the rest of the new ones. */
function settlement(
  fresh: readonly ParsedMessage[],
  stored: readonly TelemetryV1[],
  sightings: ClaimSettlement['sightings'],
): ClaimSettlement {
  const storedSet = new Set(stored);
  return { stored, failed: fresh.map((p) => p.msg).filter((m) => !storedSet.has(m)), sightings };
}
