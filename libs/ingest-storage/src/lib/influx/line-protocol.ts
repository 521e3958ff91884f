import { escape } from '@influxdata/influxdb-client';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import { InfluxWriteError } from './influx-write.error';

/** Influx measurement of telemetry points (docs/architecture.md section 3, Storage). */
export const TELEMETRY_MEASUREMENT = 'telemetry';

/**
 * Encodes one telemetry message as an InfluxDB line-protocol line for write precision `ms`:
 * tags `deviceId` (+ `runId` when present), float fields tempC/targetC/waterLevel, booleans
 * heaterOn/pumpOn, string `state`, integer `seq` (when present), timestamp = payload `ts`.
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
  let tags = `${TELEMETRY_MEASUREMENT},deviceId=${escape.tag(message.deviceId)}`;
  // Real devices carry no runId; an empty tag value is invalid line protocol, so omit it.
  if (message.runId !== undefined && message.runId !== '') {
    tags += `,runId=${escape.tag(message.runId)}`;
  }
  const fields = [
    `tempC=${float('tempC', message.tempC)}`,
    `targetC=${float('targetC', message.targetC)}`,
    `heaterOn=${bool('heaterOn', message.heaterOn)}`,
    `pumpOn=${bool('pumpOn', message.pumpOn)}`,
    `waterLevel=${float('waterLevel', message.waterLevel)}`,
    `state=${escape.quoted(message.state)}`,
  ];
  if (message.seq !== undefined) {
    fields.push(`seq=${integer('seq', message.seq)}i`);
  }
  return `${tags} ${fields.join(',')} ${integer('ts', message.ts)}`;
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
