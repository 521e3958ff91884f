import { idempotencyKey } from '@sousvide/idempotency';
import type { StorageOutcome } from '../storage/message-storage';
import type { BatchAccounting } from './batch-accounting';
import type { ParsedMessage } from './parsed-message';

/** A new message after the Influx stage: whether Influx (or its bypass) took it. */
export interface InfluxStaged {
  p: ParsedMessage;
  influxOk: boolean;
}

/**
 * Counts what the Influx stage did with each new message and dead-letters its failures (a replay
 * re-drives both stages). With `bypassInflux` the stage is not required and counts as bypassed.
 */
export function accountInflux(
  fresh: readonly ParsedMessage[],
  outcomes: readonly StorageOutcome[],
  acc: BatchAccounting,
  bypassInflux: boolean,
): InfluxStaged[] {
  return fresh.map((p, i) => {
    const influx = outcomes[i]?.influx;
    if (bypassInflux) {
      acc.count(p.runId, 'influx_bypass_total');
    } else {
      acc.count(p.runId, influx ? 'influx_fail_total' : 'influx_ok_total');
    }
    if (influx) {
      acc.fail('influx', failureFields(p), { code: influx.code, message: influx.error });
    }
    return { p, influxOk: !influx };
  });
}

/**
 * Counts the heartbeat stage of each new message: `error(p)` says why its heartbeat was not
 * recorded, undefined when it was. A message whose heartbeat failed is dead-lettered as `redis`
 * unless Influx failed it first. Returns the messages every required stage stored, and records
 * their e2e latency except for `copies` (known copies of a message stored before, whose latency
 * was recorded then).
 */
export function accountHeartbeat(
  staged: readonly InfluxStaged[],
  acc: BatchAccounting,
  error: (p: ParsedMessage) => string | undefined,
  copies?: ReadonlySet<ParsedMessage>,
): ParsedMessage[] {
  const completedAt = Date.now();
  const stored: ParsedMessage[] = [];
  for (const { p, influxOk } of staged) {
    const redis = error(p);
    if (redis !== undefined) {
      acc.count(p.runId, 'redis_fail_total');
      if (influxOk) {
        acc.fail('redis', failureFields(p), { code: 'REDIS', message: redis });
      }
      continue;
    }
    acc.count(p.runId, 'redis_ok_total');
    acc.count(p.runId, 'core_pipeline_success_total');
    if (influxOk) {
      acc.count(p.runId, 'pipeline_success_total');
      if (copies?.has(p) !== true) {
        acc.latencyMs(p.runId, completedAt - p.msg.ts);
      }
      stored.push(p);
    }
  }
  return stored;
}

/**
 * Dead-letters every new message of a shed batch as an `influx` failure; stores nothing and
 * records no heartbeat (a replay does both).
 */
export function shedAll(fresh: readonly ParsedMessage[], acc: BatchAccounting): InfluxStaged[] {
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
