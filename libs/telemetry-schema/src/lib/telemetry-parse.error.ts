/**
 * Why a payload was rejected; stable codes for counters, logs and the DLQ. The last three come
 * from the delivery, not the payload alone: `BAD_TOPIC` (not a device's telemetry topic),
 * `DEVICE_MISMATCH` (the payload speaks for another device than its topic) and
 * `TS_OUT_OF_WINDOW` (`ts` too far in the past or the future of its receipt).
 */
export type TelemetryParseErrorCode =
  | 'EMPTY'
  | 'TOO_LARGE'
  | 'NOT_UTF8'
  | 'NOT_JSON'
  | 'INVALID'
  | 'BAD_TOPIC'
  | 'DEVICE_MISMATCH'
  | 'TS_OUT_OF_WINDOW';

/** A payload that cannot become a {@link TelemetryV1}. Poison input: never retried. */
export class TelemetryParseError extends Error {
  constructor(
    readonly code: TelemetryParseErrorCode,
    message: string,
    /** Field paths that failed validation (only for `INVALID`). */
    readonly fields: readonly string[] = [],
  ) {
    super(message);
    this.name = 'TelemetryParseError';
  }
}
