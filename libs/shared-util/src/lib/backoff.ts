/** Exponential backoff bounds: the ceiling doubles from `baseMs` per attempt up to `capMs`. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
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
 * Influx writer's retries all use it (ADR 0006).
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

/**
 * `attempt`, tried again while it fails with an error `retryable` accepts, at most `tries` times
 * in all, waiting backoffCeilingMs(i, policy) after the i-th failure; its value, or the last
 * error. For operations that fail now and then for reasons outside the caller (a cgroup freeze
 * that timed out on a busy host), not for ones a retry cannot help.
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  o: {
    tries: number;
    policy: BackoffPolicy;
    retryable: (err: unknown) => boolean;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 0; ; i += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (i + 1 >= o.tries || !o.retryable(err)) {
        throw err;
      }
      await sleep(backoffCeilingMs(i, o.policy));
    }
  }
}

/** What runc says when the cgroup freezer did not stop every task of a container in time. */
const FREEZE_FAILED = /unable to freeze/i;

/**
 * A container pause (`pause`), tried again up to 5 times, 0.2-2 s apart, when the kernel's cgroup
 * freeze timed out ("unable to freeze": on a busy host a task can take longer to stop than runc
 * waits); a failed call after which `paused()` says the container is paused counts as done. The
 * one pause of the chaos tool and of the test harness, whichever docker client they use.
 */
export function pauseRetrying(
  pause: () => Promise<unknown>,
  paused: () => Promise<boolean>,
  sleep?: (ms: number) => Promise<void>,
): Promise<void> {
  return retrying(
    async () => {
      try {
        await pause();
      } catch (err) {
        if (!(await paused())) {
          throw err;
        }
      }
    },
    {
      tries: 5,
      policy: { baseMs: 200, capMs: 2000 },
      retryable: (err) => FREEZE_FAILED.test(String((err as Error)?.message ?? err)),
      sleep,
    },
  );
}
