import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import type {
  DlqProducer,
  HeartbeatStore,
  InfluxWriter,
  RunCounters,
} from '@sousvide/ingest-storage';
import { decodeTelemetry, TelemetryParseError, TelemetryV1 } from '@sousvide/telemetry-schema';
import { BatchAccounting } from './batch-accounting';
import { idempotencyKey, rawKey, runIdOfRaw } from './message-keys';
import { RawMessage } from './raw-message';

export interface PipelineDeps {
  influx: Pick<InfluxWriter, 'write'>;
  heartbeat: Pick<HeartbeatStore, 'touch'>;
  counters: Pick<RunCounters, 'add'>;
  dlq: Pick<DlqProducer, 'addMany'>;
  bypassInflux: boolean;
  gatewayId: string;
  /** Called for each parsed message, after its batch was stored (fail-safe checks). */
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
 * One batch through parse -> Influx and Redis heartbeat (in parallel) -> counters and DLQ.
 * Every received message ends counted in exactly one of parse_ok/parse_fail, and each stage's
 * failure becomes one DLQ entry of its kind, so nothing the broker delivered goes unaccounted.
 */
export async function processBatch(
  batch: RawMessage[],
  deps: PipelineDeps,
): Promise<BatchAccounting> {
  const acc = new BatchAccounting(deps.gatewayId);
  const parsed: Parsed[] = [];
  for (const raw of batch) {
    try {
      const msg = decodeTelemetry(raw.payload);
      const runId = msg.runId ?? NO_RUN_ID;
      acc.count(runId, 'recv_total');
      acc.count(runId, 'parse_ok_total');
      parsed.push({ raw, msg, runId });
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

  const messages = parsed.map((p) => p.msg);
  const [influx, heartbeat] = await Promise.all([
    deps.bypassInflux || messages.length === 0
      ? Promise.resolve(undefined)
      : deps.influx.write(messages),
    messages.length === 0
      ? Promise.resolve({ ok: [], failed: [] })
      : deps.heartbeat.touch(messages.map((m) => ({ deviceId: m.deviceId, ts: m.ts }))),
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
  for (const { raw, msg, runId } of parsed) {
    const key = idempotencyKey(msg);
    const base = {
      key,
      topic: raw.topic,
      payload: raw.payload,
      runId: msg.runId,
      deviceId: msg.deviceId,
    };
    let influxOk = true;
    if (deps.bypassInflux) {
      acc.count(runId, 'influx_bypass_total');
    } else {
      const f = influxFailed.get(msg);
      influxOk = f === undefined;
      acc.count(runId, influxOk ? 'influx_ok_total' : 'influx_fail_total');
      if (f) {
        acc.fail('influx', base, { code: f.code, message: f.error });
      }
    }
    const redisError = redisFailed.get(msg.deviceId);
    acc.count(runId, redisError === undefined ? 'redis_ok_total' : 'redis_fail_total');
    if (redisError !== undefined) {
      acc.fail('redis', base, { code: 'REDIS', message: redisError });
      continue;
    }
    acc.count(runId, 'core_pipeline_success_total');
    if (influxOk) {
      acc.count(runId, 'pipeline_success_total');
      acc.latency(runId, completedAt - msg.ts);
      deps.onStored?.(msg);
    }
  }

  let dlqLost = 0;
  if (acc.dlq.length > 0) {
    const res = await deps.dlq.addMany(acc.dlq);
    dlqLost = res.failed.length;
    if (dlqLost > 0) {
      deps.log(
        { lost: dlqLost, error: res.failed[0]?.error },
        'DLQ unreachable: failed messages not queued',
      );
    }
    const notQueued = new Set(res.failed.map((f) => f.entry));
    for (const entry of acc.dlq.filter((e) => !notQueued.has(e))) {
      acc.count(entry.runId ?? NO_RUN_ID, 'dlq_total');
    }
  }
  await Promise.all(
    [...acc.runs].map(([runId, r]) =>
      deps.counters.add(runId, r.counts, r.latency).catch((err: unknown) => {
        deps.log({ runId, err: (err as Error).message }, 'run counters not updated');
      }),
    ),
  );
  deps.onBatch?.(acc, dlqLost);
  return acc;
}
