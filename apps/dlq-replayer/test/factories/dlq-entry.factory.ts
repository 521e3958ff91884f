import { idempotencyKey, rawKey } from '@sousvide/idempotency';
import type { DlqEntry } from '@sousvide/loadtest-contracts';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';

// Recent: VictoriaMetrics drops samples older than its retention (one month by default).
const BASE_TS = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

/**
 * Each run its own time window: a point is a device's sample at a time, whatever the run (the run
 * is a field, not a tag, ADR 0015), so two runs of one suite must not write the same device at the
 * same millisecond.
 */
const runWindows = new Map<string, number>();
const RUN_WINDOW_MS = 100_000;

/** A valid telemetry message; `seq` also spreads timestamps so every point is distinct. */
export function telemetry(runId: string, seq: number, devices = 20): TelemetryV1 {
  let window = runWindows.get(runId);
  if (window === undefined) {
    window = runWindows.size * RUN_WINDOW_MS;
    runWindows.set(runId, window);
  }
  return {
    v: 1,
    deviceId: `sv-${String(seq % devices).padStart(6, '0')}`,
    seq,
    ts: BASE_TS + window + seq * 10,
    runId,
    tempC: 56 + (seq % 10) / 10,
    targetC: 57,
    heaterOn: true,
    pumpOn: true,
    waterLevel: 0.8,
    state: 'cooking',
  };
}

/** An Influx failure as the gateway's pipeline records it (key deviceId:seq:ts). */
export function influxEntry(runId: string, seq: number): DlqEntry {
  const msg = telemetry(runId, seq);
  return {
    kind: 'influx',
    key: idempotencyKey(msg),
    topic: `sousvide/${msg.deviceId}/telemetry`,
    payloadBase64: Buffer.from(JSON.stringify(msg)).toString('base64'),
    error: { code: 'RETRIES_EXHAUSTED', message: 'connect ECONNREFUSED' },
    runId,
    deviceId: msg.deviceId,
    failedAt: Date.now(),
    gatewayId: 'gw-test',
  };
}

/** A parse failure: invalid JSON, keyed by content hash like the gateway's rawKey. */
export function parseEntry(runId: string, n: number): DlqEntry {
  const payload = Buffer.from(`{"v":1,"runId":"${runId}","deviceId":"sv-bad-${n}",`);
  return {
    kind: 'parse',
    key: rawKey(payload),
    topic: `sousvide/sv-bad-${n}/telemetry`,
    payloadBase64: payload.toString('base64'),
    error: { code: 'NOT_JSON', message: 'payload is not JSON' },
    runId,
    failedAt: Date.now(),
    gatewayId: 'gw-test',
  };
}

/** An entry whose payload cannot be decoded at all. */
export function corruptEntry(runId: string): DlqEntry {
  return { ...influxEntry(runId, 999_999), key: 'sv-corrupt:1', payloadBase64: '%%%' };
}
