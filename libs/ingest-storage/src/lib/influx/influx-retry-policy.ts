import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { fullJitterBackoffMs } from '@sousvide/shared-util';
import type { InfluxFailureCode } from './influx-write.error';

/** What to do with a batch after one failed write request. */
export type WriteErrorVerdict =
  /** Transient: send the same lines again after a delay; `code` is the failure if we stop. */
  | {
      action: 'retry';
      code: 'TIMEOUT' | 'RETRIES_EXHAUSTED';
      retryAfterMs: number | undefined;
      reason: string;
    }
  /** Something in the batch is the problem: write each half on its own (one line: fail, `code`). */
  | { action: 'halve'; code: 'TOO_LARGE' | 'REJECTED'; reason: string }
  /** Retrying cannot help (auth, missing bucket, ...): every line fails with `code`. */
  | { action: 'fail'; code: InfluxFailureCode; reason: string };

/**
 * Maps an error of `Transport.request()` to a {@link WriteErrorVerdict}.
 *
 * 408 counts as transient like 429/5xx (the server gave up on a slow request). 404 does not, unlike
 * the client library's own list: on a write it means the org or bucket is missing.
 *
 * @param timedOut - our own deadline aborted the request (the library then reports an AbortError)
 */
export function classifyWriteError(
  error: unknown,
  timedOut: boolean,
  nowMs: number,
): WriteErrorVerdict {
  if (timedOut || error instanceof RequestTimedOutError) {
    return {
      action: 'retry',
      code: 'TIMEOUT',
      retryAfterMs: undefined,
      reason: 'request timed out',
    };
  }
  if (!(error instanceof HttpError)) {
    // Connection refused/reset, DNS, aborted response: the request may never have arrived.
    return {
      action: 'retry',
      code: 'RETRIES_EXHAUSTED',
      retryAfterMs: undefined,
      reason: describeError(error),
    };
  }
  const status = error.statusCode;
  const reason = error.message.startsWith(String(status))
    ? error.message
    : `${status}: ${error.message}`;
  if (status === 413) {
    return { action: 'halve', code: 'TOO_LARGE', reason };
  }
  if (status === 400 || status === 422) {
    return { action: 'halve', code: 'REJECTED', reason };
  }
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    return {
      action: 'retry',
      code: 'RETRIES_EXHAUSTED',
      retryAfterMs: retryAfterMs(error, nowMs),
      reason,
    };
  }
  return { action: 'fail', code: `HTTP_${status}`, reason };
}

/**
 * Retry-After in seconds or as an HTTP date. Read from the raw header because the library's
 * `HttpError.retryAfter()` returns the header's number unscaled, i.e. "1" second becomes 1 ms.
 */
function retryAfterMs(error: HttpError, nowMs: number): number | undefined {
  const raw = error.headers?.['retry-after'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (value === undefined || value === '') {
    return undefined;
  }
  if (/^\d+$/.test(value)) {
    return Number(value) * 1000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

// Duck-typed: Node's own errors fail `instanceof Error` inside jest's sandbox realm.
function describeError(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null | undefined;
  if (typeof e?.message !== 'string') {
    return String(error);
  }
  const label = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  return `${label}: ${e.message}`;
}

/** Limits of {@link InfluxRetryPolicy}. */
export interface InfluxRetryOptions {
  /** Retries per batch (attempts = retries + 1); Infinity: the budget alone bounds them. */
  maxRetries: number;
  /** Wall-clock budget for one `write()` call; no retry starts after it. */
  retryBudgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Uniform [0, 1); injectable so tests get deterministic delays. */
  random: () => number;
}

/**
 * Exponential backoff with full jitter (the project's one `fullJitterBackoffMs`): full jitter
 * spreads the retries of many gateway instances hit by the same Influx hiccup, so they do not come
 * back in lockstep. A server's Retry-After replaces the backoff.
 */
export class InfluxRetryPolicy {
  constructor(private readonly options: InfluxRetryOptions) {}

  /** Backoff before retry number `retry` (0 = first retry). */
  backoffMs(retry: number): number {
    const policy = { baseMs: this.options.baseDelayMs, capMs: this.options.maxDelayMs };
    return fullJitterBackoffMs(retry, policy, this.options.random);
  }

  /**
   * Delay before retry number `retry`, or `undefined` when the batch must fail now: retries are
   * spent, or the wait would not end inside the remaining budget. Waiting for a Retry-After that
   * lies beyond the budget (or sleeping into it to try once more, too early) would only delay the
   * failure that sends these messages to the DLQ. A Retry-After below the backoff base (`0`) waits
   * the base: with retries bounded by the budget alone, it would otherwise spin for the budget.
   */
  nextDelayMs(
    retry: number,
    retryAfterMs: number | undefined,
    remainingBudgetMs: number,
  ): number | undefined {
    if (retry >= this.options.maxRetries) {
      return undefined;
    }
    const delay =
      retryAfterMs === undefined
        ? this.backoffMs(retry)
        : Math.max(retryAfterMs, this.options.baseDelayMs);
    return delay < remainingBudgetMs ? delay : undefined;
  }
}
