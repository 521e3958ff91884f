import { DlqEntry, NO_RUN_ID } from '@sousvide/loadtest-contracts';
import type { HeartbeatStore, InfluxWriter } from '@sousvide/ingest-storage';
import {
  idempotencyKey,
  rawKey,
  runIdOfRaw,
  type ClaimOutcome,
  type IdempotencyStore,
} from '@sousvide/idempotency';
import { decodeTelemetry, TelemetryParseError, TelemetryV1 } from '@sousvide/telemetry-schema';
import { BatchAccounting } from './batch-accounting';
import type { RunCounterSink } from '../counters/pending-run-counters';
import { RawMessage } from './raw-message';
import type { RedisCircuit } from '../circuit/redis-circuit';

/** The DLQ as the pipeline sees it: `spooled` entries went to the local spool instead. */
export interface DlqSink {
  addMany(entries: readonly DlqEntry[]): Promise<{
    failed: { entry: DlqEntry; error: string }[];
    spooled?: readonly DlqEntry[];
  }>;
}

export interface PipelineDeps {
  influx: Pick<InfluxWriter, 'write'>;
  heartbeat: Pick<HeartbeatStore, 'touch'>;
  idempotency: Pick<IdempotencyStore, 'claim' | 'commit' | 'release'>;
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

interface Parsed {
  raw: RawMessage;
  msg: TelemetryV1;
  runId: string;
}

/**
 * One batch through parse -> idempotency claim -> Influx and Redis heartbeat (in parallel) ->
 * commit/release -> DLQ and counters. Every received copy ends counted in exactly one of
 * parse_fail / duplicate / parse_ok, and every new message that a stage failed becomes exactly one
 * DLQ entry (kind of the first failed stage; a replay re-drives both stages), so nothing the broker
 * delivered goes unaccounted and nothing is stored or acted on twice (ADR 0005).
 */
export async function processBatch(
  batch: RawMessage[],
  deps: PipelineDeps,
  /**
   * Shed (the gateway's buffer is full behind a slow store): parse, count and dead-letter each
   * new message as an `influx` failure (`SHED_BUFFER_FULL`) without storing it; a replay stores
   * it later. Nothing is dropped and memory stays bounded.
   */
  opts: { shed?: boolean } = {},
): Promise<BatchAccounting> {
  const acc = new BatchAccounting(deps.gatewayId);
  const parsed: Parsed[] = [];
  for (const raw of batch) {
    try {
      const msg = decodeTelemetry(raw.payload);
      parsed.push({ raw, msg, runId: msg.runId ?? NO_RUN_ID });
    } catch (err) {
      const runId = runIdOfRaw(raw.payload);
      const e =
        err instanceof TelemetryParseError ? err : new TelemetryParseError('INVALID', String(err));
      acc.count(runId, 'recv_total');
      acc.count(runId, 'parse_fail_total');
      acc.fail(
        'parse',
        { key: rawKey(raw.payload), topic: raw.topic, payload: raw.payload, runId },
        { code: e.code, message: e.message },
      );
    }
  }

  const claims = await claim(parsed, deps);
  const fresh: Parsed[] = [];
  parsed.forEach((p, i) => {
    const outcome = claims?.[i] ?? 'new';
    if (outcome === 'new') {
      acc.count(p.runId, 'recv_total');
      acc.count(p.runId, 'parse_ok_total');
      fresh.push(p);
    } else {
      acc.count(p.runId, 'duplicate_total');
    }
  });

  const stored = opts.shed ? shedAll(fresh, acc) : await store(fresh, acc, deps);
  if (claims && (deps.redis?.allow() ?? true)) {
    const failed = fresh.map((p) => p.msg).filter((m) => !stored.includes(m));
    await Promise.all([
      deps.idempotency.commit(stored).catch((err: unknown) => {
        // The claims expire, so a redelivery stores these again: harmless, Influx overwrites.
        deps.log(
          { messages: stored.length, err: (err as Error).message },
          'idempotency commit failed',
        );
      }),
      deps.idempotency.release(failed).catch(() => undefined), // they expire on their own
    ]);
  }

  const dlqLost = await deadLetter(acc, deps);
  for (const [runId, r] of acc.runs) {
    deps.counters.add(runId, r.counts, r.latency);
  }
  await deps.counters.flush();
  deps.onBatch?.(acc, dlqLost);
  return acc;
}

/** Claims every parsed message; undefined when the store is unreachable (then nothing is deduplicated). */
async function claim(parsed: Parsed[], deps: PipelineDeps): Promise<ClaimOutcome[] | undefined> {
  if (parsed.length === 0) {
    return [];
  }
  if (deps.redis && !deps.redis.allow()) {
    return undefined; // Redis known down: store without the check rather than wait on it
  }
  try {
    const outcomes = await deps.idempotency.claim(parsed.map((p) => p.msg));
    deps.redis?.succeeded();
    return outcomes;
  } catch (err) {
    deps.redis?.failed();
    deps.log(
      { messages: parsed.length, err: (err as Error).message },
      'idempotency store unreachable: storing without the duplicate check',
    );
    return undefined;
  }
}

/** Stores new messages; returns the ones every required stage stored, counts and dead-letters the rest. */
async function store(
  fresh: Parsed[],
  acc: BatchAccounting,
  deps: PipelineDeps,
): Promise<TelemetryV1[]> {
  const messages = fresh.map((p) => p.msg);
  const [influx, heartbeat] = await Promise.all([
    deps.bypassInflux || messages.length === 0
      ? Promise.resolve(undefined)
      : deps.influx.write(messages),
    touchHeartbeats(messages, deps),
  ]);
  const influxFailed = new Map<TelemetryV1, { code: string; error: string }>();
  for (const f of influx?.failed ?? []) {
    influxFailed.set(f.message, { code: f.code, error: f.error });
  }
  const redisFailed = new Map<string, string>();
  for (const f of heartbeat.failed) {
    redisFailed.set(f.deviceId, f.error);
  }

  const completedAt = Date.now();
  const stored: TelemetryV1[] = [];
  for (const { raw, msg, runId } of fresh) {
    const base = failureFields(raw, msg);
    const influxError = deps.bypassInflux ? undefined : influxFailed.get(msg);
    if (deps.bypassInflux) {
      acc.count(runId, 'influx_bypass_total');
    } else {
      acc.count(runId, influxError ? 'influx_fail_total' : 'influx_ok_total');
    }
    const redisError = redisFailed.get(msg.deviceId);
    acc.count(runId, redisError === undefined ? 'redis_ok_total' : 'redis_fail_total');
    if (influxError) {
      acc.fail('influx', base, { code: influxError.code, message: influxError.error });
    } else if (redisError !== undefined) {
      acc.fail('redis', base, { code: 'REDIS', message: redisError });
    }
    if (redisError !== undefined) {
      continue;
    }
    acc.count(runId, 'core_pipeline_success_total');
    if (!influxError) {
      acc.count(runId, 'pipeline_success_total');
      acc.latency(runId, completedAt - msg.ts);
      stored.push(msg);
      deps.onStored?.(msg);
    }
  }
  return stored;
}

/** What a DLQ entry of a parsed message carries. */
function failureFields(raw: RawMessage, msg: TelemetryV1) {
  return {
    key: idempotencyKey(msg),
    topic: raw.topic,
    payload: raw.payload,
    runId: msg.runId,
    deviceId: msg.deviceId,
  };
}

/** Dead-letters every new message of a shed batch; stores nothing. */
function shedAll(fresh: Parsed[], acc: BatchAccounting): TelemetryV1[] {
  for (const { raw, msg, runId } of fresh) {
    acc.count(runId, 'influx_fail_total');
    acc.fail('influx', failureFields(raw, msg), {
      code: 'SHED_BUFFER_FULL',
      message: 'gateway buffer full behind a slow store: shed to the DLQ',
    });
  }
  return [];
}

/** Heartbeats of the batch; all failed at once while the Redis circuit is open. */
async function touchHeartbeats(
  messages: TelemetryV1[],
  deps: PipelineDeps,
): Promise<{ ok: string[]; failed: { deviceId: string; error: string }[] }> {
  const entries = messages.map((m) => ({ deviceId: m.deviceId, ts: m.ts }));
  if (entries.length === 0) {
    return { ok: [], failed: [] };
  }
  if (deps.redis && !deps.redis.allow()) {
    const error = 'REDIS_UNAVAILABLE: skipped while Redis is down (circuit open)';
    return { ok: [], failed: entries.map((e) => ({ deviceId: e.deviceId, error })) };
  }
  const res = await deps.heartbeat.touch(entries);
  if (res.ok.length === 0 && res.failed.length > 0) {
    deps.redis?.failed();
  } else {
    deps.redis?.succeeded();
  }
  return res;
}

/** Queues the batch's failures; counts them as DLQ or spool entries. Returns how many were lost. */
async function deadLetter(acc: BatchAccounting, deps: PipelineDeps): Promise<number> {
  if (acc.dlq.length === 0) {
    return 0;
  }
  const res = await deps.dlq.addMany(acc.dlq);
  if (res.failed.length > 0) {
    deps.log(
      { lost: res.failed.length, error: res.failed[0]?.error },
      'DLQ and spool refused failed messages',
    );
  }
  const notQueued = new Set(res.failed.map((f) => f.entry));
  const spooled = new Set(res.spooled ?? []);
  for (const entry of acc.dlq) {
    if (!notQueued.has(entry)) {
      acc.count(entry.runId ?? NO_RUN_ID, spooled.has(entry) ? 'spooled_total' : 'dlq_total');
    }
  }
  return res.failed.length;
}
