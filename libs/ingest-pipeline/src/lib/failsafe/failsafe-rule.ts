import type { TelemetryV1 } from '@sousvide/telemetry-schema';

export type FailsafeReason = 'overtemp' | 'low_water';

export interface FailsafeLimits {
  maxTempC: number;
  minWater: number;
  /**
   * Readings older than this (by their `ts`, at receipt) never raise a command: they describe a
   * past state, and the fail-safe already judged them when they first arrived (ADR 0016).
   */
  maxAgeMs: number;
}

/** Why a reading calls for the heater to go off, or undefined when it does not. */
export function failsafeReason(
  msg: TelemetryV1,
  limits: FailsafeLimits,
): FailsafeReason | undefined {
  if (msg.tempC > limits.maxTempC) {
    return 'overtemp';
  }
  return msg.waterLevel < limits.minWater ? 'low_water' : undefined;
}

/** True when a reading received at `receivedAt` is too old to act on. */
export function isStale(msg: TelemetryV1, receivedAt: number, limits: FailsafeLimits): boolean {
  return receivedAt - msg.ts > limits.maxAgeMs;
}

/**
 * How long a copy of this reading could still act: until it turns stale, at least `minMs`. The
 * fired marker lives that long, so a duplicate never raises a second command.
 */
export function actableForMs(
  msg: TelemetryV1,
  now: number,
  limits: FailsafeLimits,
  minMs: number,
): number {
  return Math.max(minMs, Math.ceil(msg.ts + limits.maxAgeMs - now));
}
