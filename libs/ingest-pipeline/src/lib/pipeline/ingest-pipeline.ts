import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { RedisCircuit } from '../circuit/redis-circuit';
import type { RunCounterSink } from '../counters/pending-run-counters';
import type { MessageStorage } from '../storage/message-storage';
import { BatchAccounting } from './batch-accounting';
import { claimBatch, settleClaims, type Claims } from './claim-batch';
import { deadLetter, type DlqSink } from './dead-letter';
import { parseBatch } from './parse-batch';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';
import { accountStored, shedAll } from './store-batch';

/** What the pipeline is wired to; the module builds it from providers, a test from fakes. */
export interface PipelineDeps {
  storage: Pick<MessageStorage, 'store'>;
  idempotency: Claims;
  counters: RunCounterSink;
  dlq: DlqSink;
  bypassInflux: boolean;
  gatewayId: string;
  /** Skips Redis steps at once while Redis is known down (see RedisCircuit); none = always try. */
  redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>;
  /** Called for each new message after it was stored (fail-safe checks); never for duplicates. */
  onStored?: (m: TelemetryV1) => void;
  onBatch?: (acc: BatchAccounting, dlqLost: number) => void;
  log: (obj: Record<string, unknown>, msg: string) => void;
}

export interface ProcessOptions {
  /**
   * Shed (the buffer is full behind a slow store): parse, count and dead-letter each new message
   * as an `influx` failure (`SHED_BUFFER_FULL`) without storing it; a replay stores it later.
   * Nothing is dropped and memory stays bounded.
   */
  shed?: boolean;
}

/**
 * One batch through parse -> idempotency claim -> storage (Influx and heartbeat in parallel) ->
 * commit/release -> DLQ -> counters. Every received copy ends counted in exactly one of
 * parse_fail / duplicate / parse_ok, and every new message a stage failed becomes exactly one DLQ
 * entry, so nothing the broker delivered goes unaccounted and nothing is stored or acted on twice
 * (ADR 0005). Each stage is a function of its own, so a stage can be timed or changed alone.
 */
export class IngestPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async process(batch: readonly RawMessage[], opts: ProcessOptions = {}): Promise<BatchAccounting> {
    const d = this.deps;
    const acc = new BatchAccounting(d.gatewayId);
    const parsed = parseBatch(batch, acc);
    const claims = await claimBatch(parsed, d.idempotency, d.redis, d.log);
    const fresh = this.countClaims(parsed, claims, acc);
    const stored = opts.shed ? shedAll(fresh, acc) : await this.store(fresh, acc);
    if (claims && (d.redis?.allow() ?? true)) {
      const failed = fresh.map((p) => p.msg).filter((m) => !stored.includes(m));
      await settleClaims(stored, failed, d.idempotency, d.log);
    }
    const dlqLost = await deadLetter(acc, d.dlq, d.log);
    for (const [runId, r] of acc.runs) {
      d.counters.add(runId, r.counts, r.latency);
    }
    await d.counters.flush();
    d.onBatch?.(acc, dlqLost);
    return acc;
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
    const outcomes = await this.deps.storage.store(
      fresh.map((p) => p.msg),
      { bypassInflux: this.deps.bypassInflux, redis: this.deps.redis },
    );
    const stored = accountStored(fresh, outcomes, acc, this.deps.bypassInflux);
    stored.forEach((m) => this.deps.onStored?.(m));
    return stored;
  }
}
