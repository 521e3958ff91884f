import type { MessageIdentity } from '@sousvide/idempotency';
import { NO_RUN_ID, type BusinessCounter } from '@sousvide/loadtest-contracts';
import { heartbeatRefusal } from '@sousvide/ingest-storage';
import type { RunCounterSink, SettleResult } from '../counters/run-ledger';
import type { IdentitySettlement } from '../counters/settle-identities';
import type { MessageStorage, StorageOutcome } from '../storage/message-storage';
import { DeliveryParser } from '../parse/delivery-parser';
import { BatchAccounting } from './batch-accounting';
import { deadLetter, type DlqSink } from './dead-letter';
import { parseBatch } from './parse-batch';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';
import { untilAborted } from '../util/abortable-delay';
import { accountHeartbeat, accountInflux, shedAll, type InfluxStaged } from './store-batch';

/** What the pipeline is wired to; the module builds it from providers, a test from fakes. */
export interface PipelineDeps {
  storage: Pick<MessageStorage, 'store'>;
  /** Per-run deltas, and the one transaction that records identities together with them. */
  counters: RunCounterSink;
  dlq: DlqSink;
  /**
   * Whether each message is recorded as stored (read-only; IdempotencyStore.committed). Asked
   * only for messages whose store write failed and for a shed batch (one such check at a time):
   * one recorded before is a copy of a stored message and goes on as a stored copy, not into the
   * DLQ. Where it cannot say (Redis down: it rejects, or resolves fewer answers; the batch given
   * up; another shed batch's check in flight) they are dead-lettered, and the replay finds the
   * copies among them stored.
   */
  recorded?: (messages: readonly MessageIdentity[]) => Promise<boolean[]>;
  bypassInflux: boolean;
  gatewayId: string;
  /** The parse step's rules (intake has usually applied them already); default bounds if none. */
  parser?: DeliveryParser;
  onBatch?: (acc: BatchAccounting) => void;
  log: (obj: Record<string, unknown>, msg: string) => void;
}

export interface ProcessOptions {
  /**
   * Shed (the buffer is full behind a slow store): parse, count and dead-letter each new message
   * as an `influx` failure (`SHED_BUFFER_FULL`) without storing it; a replay stores it later.
   * Copies of stored messages among them are duplicates, as on a failed write (storedCopies).
   * Nothing is dropped and memory stays bounded.
   */
  shed?: boolean;
  /** Aborted when the gateway gives up on the batch (shutdown deadline). */
  signal?: AbortSignal;
}

/**
 * One batch through parse -> storage -> DLQ -> settle (the stored messages recorded, the device
 * sequences, heartbeats and run counters, in one transaction). When `process` resolves, every
 * message of the batch is durable: stored, in the DLQ or in the fsync'd spool, or a counted copy
 * of one that is; only then may the broker be acknowledged (ADR 0015). There is no claim before
 * storing (ADR 0050): a copy of a stored message is stored again (the store keeps one point) and
 * the settle's record says it was a duplicate; its counts, sent as a new message's, are corrected
 * here at once and in Redis with the next settle. Every received copy ends counted in exactly one
 * of parse_fail / duplicate / parse_ok. Each stage is timed (INGEST_STAGES) per run, so a slow run
 * says which stage was slow.
 */
export class IngestPipeline {
  private readonly parser: DeliveryParser;
  /** A shed batch's stored-copy check is running: the next shed batches do without one. */
  private shedCheckRunning = false;

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
      acc.count(p.runId, 'recv_total');
      acc.count(p.runId, 'parse_ok_total');
    }
    // A throw from here on leaves nothing recorded: the batch is tried again (or abandoned
    // unacked), and the retry or the broker's redelivery is stored as new.
    const { staged, copies } = opts.shed
      ? await this.shed(parsed, acc, opts.signal)
      : await this.store(parsed, acc, opts.signal);
    // Heartbeats go with the settle (one script, ADR 0025); their counts are sent as if it
    // applies, and corrected when it does not. A known copy's e2e latency was recorded when the
    // message was first stored: its late redelivery is not a second sample.
    const ok = new BatchAccounting(d.gatewayId);
    const stored = accountHeartbeat(staged, ok, (p) => heartbeatRefusal(p.msg.ts), copies);
    acc.dlq.push(...ok.dlq.splice(0));
    let t = Date.now();
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
    const res = await d.counters.settle(settlement(parsed, stored), {
      heartbeats: staged.map(({ p }) => p.msg),
      runs: acc.with(ok),
    });
    if (res.notSent === undefined) {
      acc.add(ok);
      this.correctDuplicates(stored, res.duplicates, copies, acc);
    } else {
      await this.heartbeatsFailed(staged, copies, acc, res.notSent, res.ids, opts.signal);
    }
    this.settleTime(acc, Date.now() - t, newHeartbeats(staged, copies));
    d.onBatch?.(acc);
    return acc;
  }

  /**
   * The settle was not sent (Redis known down), so the heartbeats were not recorded: they count
   * as failed, their messages go to the DLQ (a replay records them), and the batch's deltas are
   * kept, corrected, under the ids they were given, for the next settle. Known copies of stored
   * messages are duplicates still: nothing of them needs recording.
   */
  private async heartbeatsFailed(
    all: readonly InfluxStaged[],
    copies: ReadonlySet<ParsedMessage>,
    acc: BatchAccounting,
    error: string,
    ids: SettleResult['ids'],
    signal?: AbortSignal,
  ): Promise<void> {
    const failed = new BatchAccounting(this.deps.gatewayId);
    const staged = all.filter((s) => !copies.has(s.p));
    for (const p of copies) {
      this.countDuplicate(failed, p, ['recv_total', 'parse_ok_total']);
    }
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
   * heartbeats were in the same round trip, so their stage has the same time, once per new
   * message whose heartbeat went with it (`heartbeats`, by run; never more than the run's
   * received messages: a copy the settle found is no new message). A run of only copies, or the
   * dead-lettered part of a shed batch, sent no new heartbeat.
   */
  private settleTime(
    acc: BatchAccounting,
    ms: number,
    heartbeats: ReadonlyMap<string, number>,
  ): void {
    for (const { runId, n } of acc.messagesByRun()) {
      acc.stage(runId, 'settle', ms, n);
      const fresh = Math.min(
        acc.runs.get(runId)?.counts.recv_total ?? 0,
        heartbeats.get(runId) ?? 0,
      );
      if (fresh > 0) {
        acc.stage(runId, 'heartbeat', ms, fresh);
      }
      const { settle, heartbeat } = acc.runs.get(runId)?.stages ?? {};
      this.deps.counters.add(runId, { stages: heartbeat ? { settle, heartbeat } : { settle } });
    }
  }

  /**
   * Stored messages the settle found recorded before, and the known copies (recorded before their
   * own write failed, whatever the settle's reply says): their counts went out as a new
   * message's (received, each stage ok, a success); they move to `duplicate_total`, here at once
   * and in Redis with the next settle (ADR 0050). The e2e latency of the ones the settle found
   * went out with it (a stored copy's); the known copies recorded none.
   */
  private correctDuplicates(
    stored: readonly ParsedMessage[],
    duplicates: readonly boolean[] | undefined,
    copies: ReadonlySet<ParsedMessage>,
    acc: BatchAccounting,
  ): void {
    const dup = stored.filter((p, i) => duplicates?.[i] === true || copies.has(p));
    if (dup.length === 0) {
      return;
    }
    const fix = new BatchAccounting(this.deps.gatewayId);
    for (const p of dup) {
      this.countDuplicate(fix, p, NEW_COUNTS);
    }
    acc.add(fix);
    for (const [runId, r] of fix.runs) {
      this.deps.counters.add(runId, { counts: r.counts });
    }
  }

  /** Moves a message's `counted` counters and its Influx stage's to `duplicate_total`. */
  private countDuplicate(
    acc: BatchAccounting,
    p: ParsedMessage,
    counted: readonly BusinessCounter[],
  ): void {
    for (const c of counted) {
      acc.count(p.runId, c, -1);
    }
    acc.count(p.runId, this.deps.bypassInflux ? 'influx_bypass_total' : 'influx_ok_total', -1);
    acc.count(p.runId, 'duplicate_total');
  }

  /**
   * The Influx stage (heartbeats go with the settle), and the known copies among its failures
   * (see storedCopies); the store stage's time includes that check.
   */
  private async store(
    fresh: readonly ParsedMessage[],
    acc: BatchAccounting,
    signal: AbortSignal | undefined,
  ): Promise<StoreStaged> {
    const timings = { influxMs: 0, heartbeatMs: 0 };
    const started = Date.now();
    const outcomes = await this.deps.storage.store(
      fresh.map((p) => p.msg),
      { bypassInflux: this.deps.bypassInflux, heartbeat: false, timings },
    );
    const copies = await this.storedCopies(
      fresh.filter((_, i) => outcomes[i]?.influx !== undefined),
      signal,
    );
    if (fresh.length > 0 && !this.deps.bypassInflux) {
      acc.stageAll('store', copies === undefined ? timings.influxMs : Date.now() - started, fresh);
    }
    const known = copies ?? NO_COPIES;
    const cleared =
      known.size === 0 ? outcomes : outcomes.map((o, i) => (known.has(fresh[i]) ? {} : o));
    return { staged: accountInflux(fresh, cleared, acc, this.deps.bypassInflux), copies: known };
  }

  /**
   * A shed batch (see ProcessOptions.shed): the copies of stored messages among it go on as
   * stored copies (nothing written; counted duplicates), every other message is dead-lettered.
   * The check is one read of Redis; shed batches come fast and Redis may be what is slow (the
   * settle, and with INGEST_BYPASS_INFLUX the only store), so one shed batch at a time asks, and
   * those that come meanwhile dead-letter their copies too (the replay skips them as stored).
   */
  private async shed(
    fresh: readonly ParsedMessage[],
    acc: BatchAccounting,
    signal: AbortSignal | undefined,
  ): Promise<StoreStaged> {
    let copies: ReadonlySet<ParsedMessage> = NO_COPIES;
    if (!this.shedCheckRunning) {
      this.shedCheckRunning = true;
      try {
        copies = (await this.storedCopies(fresh, signal)) ?? NO_COPIES;
      } finally {
        this.shedCheckRunning = false;
      }
    }
    shedAll(
      fresh.filter((p) => !copies.has(p)),
      acc,
    );
    const kept = fresh.filter((p) => copies.has(p));
    const stored = kept.map((): StorageOutcome => ({}));
    return { staged: accountInflux(kept, stored, acc, this.deps.bypassInflux), copies };
  }

  /**
   * Which of `unstored` (their write failed, or was shed) were recorded as stored before: copies
   * of a stored message (a redelivery). They go on as stored copies, and count as duplicates
   * whatever the settle then says. Dead-lettered, each was counted as new and failed, and held in
   * the DLQ as well as in the store until a replay skipped it. Undefined when there was nothing
   * to check; empty where the check failed or the batch was given up meanwhile (`signal`): then
   * they are dead-lettered, and the replay sorts such copies out.
   */
  private async storedCopies(
    unstored: readonly ParsedMessage[],
    signal: AbortSignal | undefined,
  ): Promise<ReadonlySet<ParsedMessage> | undefined> {
    if (unstored.length === 0 || !this.deps.recorded) {
      return undefined;
    }
    const check = this.deps.recorded(unstored.map((p) => p.msg)).catch((err: Error) => {
      this.deps.log({ err: err.message }, 'could not check unstored messages for stored copies');
      return [];
    });
    const recorded: readonly boolean[] = await untilAborted(check, signal, []);
    return new Set(unstored.filter((_, j) => recorded[j] === true));
  }
}

const NO_COPIES: ReadonlySet<ParsedMessage> = new Set();

/** The Influx stage's outcome, and the known copies of stored messages among the batch. */
interface StoreStaged {
  staged: InfluxStaged[];
  copies: ReadonlySet<ParsedMessage>;
}

/** The counters a stored message adds besides its Influx stage's (see correctDuplicates). */
const NEW_COUNTS: readonly BusinessCounter[] = [
  'recv_total',
  'parse_ok_total',
  'redis_ok_total',
  'core_pipeline_success_total',
  'pipeline_success_total',
];

/** By run, the messages of `staged` sent with the settle as new: every one but the known copies. */
function newHeartbeats(
  staged: readonly InfluxStaged[],
  copies: ReadonlySet<ParsedMessage>,
): Map<string, number> {
  const byRun = new Map<string, number>();
  for (const { p } of staged) {
    if (!copies.has(p)) {
      byRun.set(p.runId, (byRun.get(p.runId) ?? 0) + 1);
    }
  }
  return byRun;
}

/** What a batch's settle records: the stored messages, and the sightings of the others. */
function settlement(
  parsed: readonly ParsedMessage[],
  stored: readonly ParsedMessage[],
): IdentitySettlement {
  const storedSet = new Set(stored);
  return {
    stored: stored.map((p) => ({ msg: p.msg, runId: p.runId })),
    unstored: parsed.filter((p) => !storedSet.has(p)).map((p) => ({ msg: p.msg, runId: p.runId })),
  };
}
