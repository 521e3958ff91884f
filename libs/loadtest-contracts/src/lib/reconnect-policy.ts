import { z } from 'zod';
import { envNumber, type BackoffPolicy } from '@sousvide/shared-util';

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
  return envNumber(z.number().int().min(min).max(max).default(fallback));
}
