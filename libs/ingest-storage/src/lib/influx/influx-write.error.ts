/**
 * Stable reason a telemetry message was not stored in Influx. It travels into the DLQ entry
 * (`error.code`), so values never change meaning:
 * - `REJECTED`: the server refused this very line (400/422 after bisection down to one line);
 * - `TOO_LARGE`: a single line still got 413;
 * - `RETRIES_EXHAUSTED` / `TIMEOUT`: transient failures (network, 408/429/5xx, timeouts) outlasted
 *   the retry count or budget; `TIMEOUT` when the last attempt timed out;
 * - `HTTP_<status>`: a status that retrying cannot fix (401, 403, 404, other 3xx/4xx);
 * - `INVALID`: the message cannot be encoded as line protocol (never sent);
 * - `CLOSED`: the writer was closed before the message could be (re)sent.
 */
export type InfluxFailureCode =
  | 'REJECTED'
  | 'TOO_LARGE'
  | 'RETRIES_EXHAUSTED'
  | 'TIMEOUT'
  | 'INVALID'
  | 'CLOSED'
  | `HTTP_${number}`;

/** A typed write failure; `code` is the stable part, `message` is for humans. */
export class InfluxWriteError extends Error {
  constructor(
    readonly code: InfluxFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'InfluxWriteError';
  }
}
