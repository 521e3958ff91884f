import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { RedisCircuit } from '../circuit/redis-circuit';
import type { RunCounterSink } from '../counters/run-ledger';
import type { MessageStorage } from '../storage/message-storage';
import { DeliveryParser } from '../parse/delivery-parser';
import { BatchAccounting } from './batch-accounting';
import { claimBatch, type Claims } from './claim-batch';
import { deadLetter, type DlqSink } from './dead-letter';
import { parseBatch } from './parse-batch';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';
import { sightingsOf } from './sightings';
import { accountStored, shedAll } from './store-batch';

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
      const stored = opts.shed ? shedAll(fresh, acc) : await this.store(fresh, acc);
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
      for (const [runId, r] of acc.runs) {
        d.counters.add(runId, r);
      }
      t = Date.now();
      const storedSet = new Set(stored);
      await d.counters.settle(
        claims
          ? {
              stored,
              failed: fresh.map((p) => p.msg).filter((m) => !storedSet.has(m)),
              sightings,
            }
          : undefined,
      );
      this.settleTime(acc, Date.now() - t);
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

  /** The settle time reaches Redis with the next settle (it is measured after this one). */
  private settleTime(acc: BatchAccounting, ms: number): void {
    for (const { runId, n } of acc.messagesByRun()) {
      acc.stage(runId, 'settle', ms, n);
      this.deps.counters.add(runId, { stages: { settle: acc.runs.get(runId)?.stages.settle } });
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

  private async store(
    fresh: readonly ParsedMessage[],
    acc: BatchAccounting,
  ): Promise<TelemetryV1[]> {
    const timings = { influxMs: 0, heartbeatMs: 0 };
    const outcomes = await this.deps.storage.store(
      fresh.map((p) => p.msg),
      { bypassInflux: this.deps.bypassInflux, redis: this.deps.redis, timings },
    );
    if (fresh.length > 0) {
      if (!this.deps.bypassInflux) {
        acc.stageAll('store', timings.influxMs, fresh);
      }
      acc.stageAll('heartbeat', timings.heartbeatMs, fresh);
    }
    return accountStored(fresh, outcomes, acc, this.deps.bypassInflux);
  }
}
