/**
 * Rejects after `ms` naming `what`; the late outcome of `promise` is dropped (the callers' Redis
 * and broker calls are safe to have landed late). `background`: the bound does not keep the
 * process alive on its own (for work nobody awaits to the end, such as a metric's refresh that
 * outlives its scrape; an awaited call keeps the default, so a stall still ends in the error).
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  o: { background?: boolean } = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    if (o.background) {
      timer.unref();
    }
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
