import { escape } from '@influxdata/influxdb-client';
import { RUN_KEY_FIELD, runKey, type TelemetryV1 } from '@sousvide/telemetry-schema';
import { InfluxWriteError } from './influx-write.error';

/** Influx measurement of telemetry points (docs/architecture.md section 3, Storage). */
export const TELEMETRY_MEASUREMENT = 'telemetry';

/** What the client's escapers change; most values have none of it and are used as they are. */
const TAG_SPECIAL = /[, =\n\r\t]/;
const DEVICE_STATE_FIELDS = new Map<string, string>();

/**
 * Encodes one telemetry message as an InfluxDB line-protocol line for write precision `ms`:
 * tag `deviceId`, float fields tempC/targetC/waterLevel, booleans heaterOn/pumpOn, string `state`,
 * integer `seq` (when present) and integer `runKey` (when a runId is present), timestamp = payload
 * `ts`. The run is a field, not a tag: series are per device, once, whatever the number of runs
 * (ADR 0015); a run's points are those whose `runKey` equals {@link runKey} of its id.
 *
 * The point's identity is measurement + tags + ts, so re-writing a message overwrites it: that is
 * what makes retries, bisection and DLQ replays idempotent.
 *
 * @throws InfluxWriteError with code `INVALID` when a value has no line-protocol form (NaN,
 *   Infinity, a fractional ts/seq, an empty deviceId): the server would reject the whole batch.
 */
export function telemetryToLine(message: TelemetryV1): string {
  if (message.deviceId === '') {
    throw new InfluxWriteError('INVALID', 'deviceId must not be empty (an empty tag is invalid)');
  }
  let line =
    `${TELEMETRY_MEASUREMENT},deviceId=${tag(message.deviceId)}` +
    ` tempC=${float('tempC', message.tempC)}` +
    `,targetC=${float('targetC', message.targetC)}` +
    `,heaterOn=${bool('heaterOn', message.heaterOn)}` +
    `,pumpOn=${bool('pumpOn', message.pumpOn)}` +
    `,waterLevel=${float('waterLevel', message.waterLevel)}` +
    `,state=${stateField(message.state)}`;
  if (message.seq !== undefined) {
    line += `,seq=${integer('seq', message.seq)}i`;
  }
  // Real devices carry no runId.
  if (message.runId !== undefined && message.runId !== '') {
    line += `,${RUN_KEY_FIELD}=${cachedRunKey(message.runId)}i`;
  }
  return `${line} ${integer('ts', message.ts)}`;
}

const runKeys = new Map<string, number>();
const RUN_KEY_CACHE = 64;

/** A handful of runs are live at once; hashing each message's run id again would be waste. */
function cachedRunKey(runId: string): number {
  let k = runKeys.get(runId);
  if (k === undefined) {
    if (runKeys.size >= RUN_KEY_CACHE) {
      runKeys.clear();
    }
    k = runKey(runId);
    runKeys.set(runId, k);
  }
  return k;
}

function tag(value: string): string {
  return TAG_SPECIAL.test(value) ? escape.tag(value) : value;
}

/** The state enum has five values: their quoted forms are built once. */
function stateField(state: string): string {
  let f = DEVICE_STATE_FIELDS.get(state);
  if (f === undefined) {
    f = escape.quoted(state);
    if (DEVICE_STATE_FIELDS.size < 16) {
      DEVICE_STATE_FIELDS.set(state, f);
    }
  }
  return f;
}

// A float without a dot ("57") is still a float in line protocol; only an `i` suffix makes an int.
function float(name: string, value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InfluxWriteError('INVALID', `${name} must be a finite number, got ${String(value)}`);
  }
  return String(value);
}

function integer(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InfluxWriteError('INVALID', `${name} must be a non-negative integer, got ${value}`);
  }
  return String(value);
}

function bool(name: string, value: boolean): string {
  if (typeof value !== 'boolean') {
    throw new InfluxWriteError('INVALID', `${name} must be a boolean, got ${String(value)}`);
  }
  return value ? 'true' : 'false';
}
