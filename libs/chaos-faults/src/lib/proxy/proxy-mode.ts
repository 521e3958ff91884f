/**
 * What the fault proxy does with traffic, switchable at runtime:
 * - `pass-through`: forward both directions unchanged.
 * - `latency`: deliver every chunk `ms` after it arrived, in order, in the given direction(s)
 *   (`upstream` = client to upstream, the request direction; default `both`).
 * - `http-error` (proxy protocol `http` only): answer a `rate` fraction of HTTP requests with
 *   `status` (default 503) and `Retry-After: retryAfterSec` (default 1) instead of forwarding them.
 *   `selection` `spread` (default) fails exactly floor(n * rate) of the first n requests, evenly
 *   spread; `{ seed }` draws each request from a seeded PRNG (deterministic, count only expected).
 * - `reset`: reset (TCP RST) every open connection at once, and every new one at its first byte.
 * - `blackhole`: accept and read, deliver nothing either way; on leaving the mode what was held
 *   flows on, like a network partition healing (buffers are bounded: see maxBufferedBytes).
 */
export type ProxyMode =
  | { kind: 'pass-through' }
  | { kind: 'latency'; ms: number; direction?: LatencyDirection }
  | {
      kind: 'http-error';
      rate: number;
      status?: number;
      retryAfterSec?: number;
      selection?: 'spread' | { seed: number };
    }
  | { kind: 'reset' }
  | { kind: 'blackhole' };

export type LatencyDirection = 'both' | 'upstream' | 'downstream';

export type ProxyModeKind = ProxyMode['kind'];

export const PASS_THROUGH: ProxyMode = Object.freeze({ kind: 'pass-through' });

/** Upper bound of an injected latency: beyond it a fault is an outage (use blackhole). */
export const MAX_LATENCY_MS = 600_000;

/** Throws with a message naming the bad field; returns the mode for chaining. */
export function validateProxyMode(mode: ProxyMode): ProxyMode {
  switch (mode.kind) {
    case 'pass-through':
    case 'reset':
    case 'blackhole':
      return mode;
    case 'latency':
      if (!Number.isFinite(mode.ms) || mode.ms < 0 || mode.ms > MAX_LATENCY_MS) {
        throw new RangeError(`latency ms must be within 0..${MAX_LATENCY_MS}, got ${mode.ms}`);
      }
      return mode;
    case 'http-error': {
      if (!Number.isFinite(mode.rate) || mode.rate < 0 || mode.rate > 1) {
        throw new RangeError(`http-error rate must be within 0..1, got ${mode.rate}`);
      }
      const status = mode.status ?? 503;
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new RangeError(`http-error status must be a 4xx/5xx code, got ${status}`);
      }
      const retryAfter = mode.retryAfterSec ?? 1;
      if (!Number.isInteger(retryAfter) || retryAfter < 0) {
        throw new RangeError(`http-error retryAfterSec must be an integer >= 0, got ${retryAfter}`);
      }
      return mode;
    }
  }
}

/** For logs and reports, e.g. `http-error 50% 503 (Retry-After 1 s)`. */
export function describeProxyMode(mode: ProxyMode): string {
  switch (mode.kind) {
    case 'pass-through':
    case 'reset':
    case 'blackhole':
      return mode.kind;
    case 'latency':
      return `latency +${mode.ms} ms (${mode.direction ?? 'both'})`;
    case 'http-error':
      return (
        `http-error ${+(mode.rate * 100).toFixed(4)}% ${mode.status ?? 503} ` +
        `(Retry-After ${mode.retryAfterSec ?? 1} s)`
      );
  }
}
