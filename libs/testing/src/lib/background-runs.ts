/**
 * Runs a suite starts in its first hook and lets go on in the background, each under a key: each
 * test awaits its own run and checks it, while the others go on beside it or after it.
 */
export interface BackgroundRuns<T, K extends string = string> {
  /** Starts `run` now under `key`. */
  start(key: K, run: () => Promise<T>): void;
  /**
   * Starts `run` under `key` once every run under `earlier` settled, resolved or rejected (the
   * next step of a sequence runs after a failed one too). An empty `earlier` starts it on the next
   * microtask.
   */
  after(key: K, earlier: readonly K[], run: () => Promise<T>): void;
  /**
   * Starts `steps` one after another, each under its key (the next also after a failed one), the
   * first once every run under `earlier` settled.
   */
  sequence(steps: readonly (readonly [K, () => Promise<T>])[], earlier?: readonly K[]): void;
  /** The run under `key`, once it ended; rejects naming the key when no run was started for it. */
  get(key: K): Promise<T>;
  /**
   * Resolves once every run started so far settled: an afterAll awaits it before it stops the
   * containers, so a test that failed early does not stop them under a run still going.
   */
  settled(): Promise<void>;
}

/**
 * Background runs of results `T` under keys `K`. A run's rejection is marked handled when it
 * starts: it reaches its test through `get`, never Node as an unhandled rejection (which would
 * crash jest) while no test awaits it yet.
 */
export function backgroundRuns<T, K extends string = string>(): BackgroundRuns<T, K> {
  const runs = new Map<K, Promise<T>>();
  const keep = (key: K, run: Promise<T>): void => {
    if (runs.has(key)) {
      throw new Error(`a run was already started for ${key}`);
    }
    run.catch(() => undefined); // awaited (and reported) by the key's test
    runs.set(key, run);
  };
  const after = (key: K, earlier: readonly K[], run: () => Promise<T>): void => {
    const before = earlier.map((k) => {
      const previous = runs.get(k);
      if (!previous) {
        throw new Error(`${key} is to start after ${k}, but no run was started for ${k}`);
      }
      return previous;
    });
    keep(
      key,
      Promise.allSettled(before).then(() => run()),
    );
  };
  return {
    // new Promise: a `run` that throws before its first await rejects like one that fails later.
    start: (key, run) => keep(key, new Promise<T>((resolve) => resolve(run()))),
    after,
    sequence: (steps, earlier = []) => {
      let previous = earlier;
      for (const [key, step] of steps) {
        after(key, previous, step);
        previous = [key];
      }
    },
    get: (key) => runs.get(key) ?? Promise.reject(new Error(`no run was started for ${key}`)),
    settled: async () => {
      await Promise.allSettled(runs.values());
    },
  };
}

/**
 * Starts a service for each key, all at once, and waits for every one of them: hands each one
 * that started to `keep` (in the order of `keys`, so an afterAll can stop it even when another
 * failed to start), then rethrows the first failure.
 */
export async function startAllOrThrow<K, S>(
  keys: readonly K[],
  start: (key: K) => Promise<S>,
  keep: (started: S, key: K) => void,
): Promise<void> {
  await settleAll(
    keys.map((key) => start(key)),
    (started, i) => keep(started, keys[i]),
  );
}

/**
 * Services of different kinds started at once, as `Promise.all` takes them: waits for every one,
 * hands each one that started to `keep` (in order), then resolves their values in order or
 * rethrows the first failure. Unlike `Promise.all`, a failure does not leave the slower ones
 * starting unseen: by the time it is thrown, every service that started was kept, so an afterAll
 * can stop it.
 */
export async function startEachOrThrow<P extends readonly Promise<unknown>[] | []>(
  starts: P,
  keep: (started: Awaited<P[number]>) => void,
): Promise<{ -readonly [I in keyof P]: Awaited<P[I]> }> {
  const values = await settleAll(starts as readonly Promise<Awaited<P[number]>>[], keep);
  return values as { -readonly [I in keyof P]: Awaited<P[I]> };
}

async function settleAll<S>(
  starts: readonly Promise<S>[],
  keep: (started: S, index: number) => void,
): Promise<S[]> {
  const results = await Promise.allSettled(starts);
  results.forEach((r, i) => r.status === 'fulfilled' && keep(r.value, i));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<S>).value);
}
