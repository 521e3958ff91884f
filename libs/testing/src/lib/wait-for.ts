/** How long and how often to poll: a deadline, never a fixed sleep. */
export interface PollOptions {
  /** Give up after this long (default 30 s: generous for a busy 2-core machine). */
  timeoutMs?: number;
  /** Pause between reads (default 100 ms). */
  intervalMs?: number;
}

/**
 * Reads `read()` until `done(value)` holds or the deadline passes, and returns the last value
 * either way, so the caller's `expect` on it shows what was seen when the state never came.
 */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100 }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** Resolves once `check()` holds; rejects naming `what` when the deadline passes first. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: PollOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(await pollUntil(check, (ok) => ok, { ...options, timeoutMs }))) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}
