import { idempotencyKey } from '@sousvide/idempotency';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { StorageOutcome } from '../storage/message-storage';
import type { BatchAccounting } from './batch-accounting';
import type { ParsedMessage } from './parsed-message';

/**
 * Counts what the storage step did with each new message and dead-letters the failures (kind of
 * the first failed stage: a replay re-drives both). Returns the messages every required stage
 * stored; with `bypassInflux` the Influx stage is not required.
 */
export function accountStored(
  fresh: readonly ParsedMessage[],
  outcomes: readonly StorageOutcome[],
  acc: BatchAccounting,
  bypassInflux: boolean,
): TelemetryV1[] {
  const completedAt = Date.now();
  const stored: TelemetryV1[] = [];
  fresh.forEach((p, i) => {
    const { influx, redis } = outcomes[i] ?? {};
    if (bypassInflux) {
      acc.count(p.runId, 'influx_bypass_total');
    } else {
      acc.count(p.runId, influx ? 'influx_fail_total' : 'influx_ok_total');
    }
    acc.count(p.runId, redis === undefined ? 'redis_ok_total' : 'redis_fail_total');
    if (influx) {
      acc.fail('influx', failureFields(p), { code: influx.code, message: influx.error });
    } else if (redis !== undefined) {
      acc.fail('redis', failureFields(p), { code: 'REDIS', message: redis });
    }
    if (redis !== undefined) {
      return;
    }
    acc.count(p.runId, 'core_pipeline_success_total');
    if (!influx) {
      acc.count(p.runId, 'pipeline_success_total');
      acc.latency(p.runId, completedAt - p.msg.ts);
      stored.push(p.msg);
    }
  });
  return stored;
}

/** Dead-letters every new message of a shed batch as an `influx` failure; stores nothing. */
export function shedAll(fresh: readonly ParsedMessage[], acc: BatchAccounting): TelemetryV1[] {
  for (const p of fresh) {
    acc.count(p.runId, 'influx_fail_total');
    acc.fail('influx', failureFields(p), {
      code: 'SHED_BUFFER_FULL',
      message: 'gateway buffer full behind a slow store: shed to the DLQ',
    });
  }
  return [];
}

/** What a DLQ entry of a parsed message carries. */
function failureFields({ raw, msg }: ParsedMessage) {
  return {
    key: idempotencyKey(msg),
    topic: raw.topic,
    payload: raw.payload,
    runId: msg.runId,
    deviceId: msg.deviceId,
  };
}
