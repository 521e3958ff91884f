/** Why a payload was rejected; stable codes for counters, logs and the DLQ. */
export type TelemetryParseErrorCode = 'EMPTY' | 'TOO_LARGE' | 'NOT_UTF8' | 'NOT_JSON' | 'INVALID';

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
