import { z } from 'zod';

/** Exponential backoff bounds: the ceiling doubles from `baseMs` per attempt up to `capMs`. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/**
 * Reconnect backoff of simulated devices and gateway connections: 500 ms doubling to 15 s. The
 * cap keeps a device that lost its broker for a minute from sleeping through most of a short run;
 * the base keeps a blip's reconnects near the loss.
 */
export const RECONNECT_BACKOFF_DEFAULTS: Readonly<BackoffPolicy> = { baseMs: 500, capMs: 15_000 };

/** Limits for configured backoff values (ms), checked where they enter (env, run spec). */
export const RECONNECT_BACKOFF_LIMITS = {
  baseMs: { min: 1, max: 60_000 },
  capMs: { min: 1, max: 600_000 },
} as const;

/**
 * Env schema of one backoff bound in ms (`base` or `cap`), limits from
 * {@link RECONNECT_BACKOFF_LIMITS}: the one definition every app's env schema spreads in.
 */
export function backoffMsEnv(bound: keyof BackoffPolicy, fallback: number) {
  const { min, max } = RECONNECT_BACKOFF_LIMITS[bound];
  return z.coerce.number().int().min(min).max(max).default(fallback);
}

/** Upper bound of the delay before attempt `attempt` (0-based): min(cap, base * 2^attempt). */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  // 2^attempt overflows to Infinity past ~1000 attempts; min() still yields the cap.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
}

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * 2^attempt)).
 * Full jitter (rather than "ceiling/2 + jitter") is what spreads thousands of clients that lost
 * the same broker at the same instant over the whole window, so their reconnects do not arrive
 * as one herd. The one backoff of the project: device reconnects, gateway reconnects and the
 * Influx writer's retries all use it.
 * @param attempt 0 for the first retry after a failure.
 * @param random uniform in [0, 1); injectable for deterministic tests.
 */
export function fullJitterBackoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeilingMs(attempt, policy));
}
