import { RUN_ID_PATTERN } from '@sousvide/loadtest-contracts';
import { DEVICE_ID_PATTERN, DEVICE_STATES, type TelemetryV1 } from './telemetry.schema';

const STATES: ReadonlySet<unknown> = new Set(DEVICE_STATES);

/**
 * The telemetry v1 check of `telemetryV1Schema` written out by hand, for the gateway's intake,
 * where zod's generic walk was ~6 % of the gateway's busy time (docs/benchmarks.md). It accepts
 * only what the schema accepts and returns what the schema would (its fields, in its order,
 * unknown fields dropped); anything it does not accept answers undefined and goes to the schema,
 * which then accepts it or names what is wrong. So it may only be stricter than the schema, never
 * looser: telemetry-fast.spec.ts checks both against each other.
 */
export function fastTelemetryV1(json: unknown): TelemetryV1 | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return undefined;
  }
  const o = json as Record<string, unknown>;
  const { deviceId, seq, ts, runId, tempC, targetC, heaterOn, pumpOn, waterLevel, state } = o;
  if (
    o['v'] !== 1 ||
    typeof deviceId !== 'string' ||
    deviceId.length > 128 ||
    !DEVICE_ID_PATTERN.test(deviceId) ||
    (seq !== undefined && !(Number.isSafeInteger(seq) && (seq as number) >= 0)) ||
    !(Number.isSafeInteger(ts) && (ts as number) > 0) ||
    (runId !== undefined && !(typeof runId === 'string' && RUN_ID_PATTERN.test(runId))) ||
    !Number.isFinite(tempC) ||
    !Number.isFinite(targetC) ||
    typeof heaterOn !== 'boolean' ||
    typeof pumpOn !== 'boolean' ||
    typeof waterLevel !== 'number' ||
    !(waterLevel >= 0 && waterLevel <= 1) ||
    !STATES.has(state)
  ) {
    return undefined;
  }
  const out = { v: 1, deviceId } as TelemetryV1;
  if (seq !== undefined) {
    out.seq = seq as number;
  }
  out.ts = ts as number;
  if (runId !== undefined) {
    out.runId = runId;
  }
  out.tempC = tempC as number;
  out.targetC = targetC as number;
  out.heaterOn = heaterOn;
  out.pumpOn = pumpOn;
  out.waterLevel = waterLevel;
  out.state = state as TelemetryV1['state'];
  return out;
}
