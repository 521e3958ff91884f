import { backgroundRuns, startAllOrThrow, startEachOrThrow } from './background-runs';

/** A promise the test settles by hand, to order what the runs see. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: Error) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('backgroundRuns', () => {
  it('starts a run at once and hands its result to get', async () => {
    const runs = backgroundRuns<number>();
    const run = jest.fn(() => Promise.resolve(1));
    runs.start('a', run);
    expect(run).toHaveBeenCalledTimes(1);
    await expect(runs.get('a')).resolves.toBe(1);
  });

  it('starts a run after the earlier ones settled, also after a failed one, and not before', async () => {
    const runs = backgroundRuns<string>();
    const order: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    runs.start('first', () => first.promise);
    runs.start('second', () => second.promise);
    runs.after('third', ['first', 'second'], () => {
      order.push('third started');
      return Promise.resolve('third');
    });
    runs.after('fourth', ['third'], () => {
      order.push('fourth started');
      return Promise.resolve('fourth');
    });
    await flush();
    expect(order).toEqual([]);
    first.reject(new Error('first failed'));
    await flush();
    expect(order).toEqual([]);
    order.push('second settled');
    second.resolve('second');
    await expect(runs.get('fourth')).resolves.toBe('fourth');
    expect(order).toEqual(['second settled', 'third started', 'fourth started']);
  });

  it('runs a sequence one step after another, the first after the given runs, on past a failed step', async () => {
    const runs = backgroundRuns<string>();
    const order: string[] = [];
    const first = deferred<string>();
    runs.start('first', () => first.promise);
    const step = (key: string, ok: boolean) =>
      [
        key,
        () => {
          order.push(key);
          return ok ? Promise.resolve(key) : Promise.reject(new Error(`${key} failed`));
        },
      ] as const;
    runs.sequence([step('x', false), step('y', true)], ['first']);
    await flush();
    expect(order).toEqual([]);
    first.resolve('first');
    await expect(runs.get('y')).resolves.toBe('y');
    await expect(runs.get('x')).rejects.toThrow('x failed');
    expect(order).toEqual(['x', 'y']);
  });

  it('with no earlier runs, after starts the run right away', async () => {
    const runs = backgroundRuns<string>();
    runs.after('a', [], () => Promise.resolve('a'));
    await expect(runs.get('a')).resolves.toBe('a');
  });

  it('rejects get naming the key when no run was started for it', async () => {
    const runs = backgroundRuns<number>();
    runs.start('known', () => Promise.resolve(1));
    await expect(runs.get('unknown')).rejects.toThrow('no run was started for unknown');
  });

  it('refuses a run after one never started, and a key started twice', () => {
    const runs = backgroundRuns<number>();
    expect(() => runs.after('b', ['a'], () => Promise.resolve(1))).toThrow(
      'b is to start after a, but no run was started for a',
    );
    runs.start('a', () => Promise.resolve(1));
    expect(() => runs.start('a', () => Promise.resolve(2))).toThrow(
      'a run was already started for a',
    );
  });

  it('delivers a failure to get, also one thrown before the run returned a promise', async () => {
    const runs = backgroundRuns<number>();
    runs.start('async', () => Promise.reject(new Error('async failure')));
    runs.start('sync', () => {
      throw new Error('sync failure');
    });
    runs.after('later', ['async'], () => Promise.reject(new Error('later failure')));
    await expect(runs.get('async')).rejects.toThrow('async failure');
    await expect(runs.get('sync')).rejects.toThrow('sync failure');
    await expect(runs.get('later')).rejects.toThrow('later failure');
  });

  it('leaves no unhandled rejection for a failed run that no test awaits', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const runs = backgroundRuns<string>();
      const chained = deferred<string>();
      runs.start('failed', () => Promise.reject(new Error('nobody awaits this')));
      runs.start('chained', () => chained.promise);
      runs.after('later', ['failed'], () => Promise.reject(new Error('nor this')));
      chained.reject(new Error('nor this one'));
      // Node reports an unhandled rejection once the microtasks of its turn ran: before this.
      await flush();
      await flush();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('settles once every run settled, failed or not, the ones started after others too', async () => {
    const runs = backgroundRuns<string>();
    const slow = deferred<string>();
    const chained = deferred<string>();
    runs.start('failed', () => Promise.reject(new Error('failed')));
    runs.start('slow', () => slow.promise);
    runs.after('chained', ['failed'], () => chained.promise);
    let settled = false;
    const done = runs.settled().then(() => {
      settled = true;
    });
    await flush();
    expect(settled).toBe(false);
    slow.resolve('slow');
    await flush();
    expect(settled).toBe(false);
    chained.reject(new Error('chained failed'));
    await done;
    expect(settled).toBe(true);
  });
});

describe('startAllOrThrow', () => {
  it('starts all at once and keeps each in the order of the keys', async () => {
    const gates = { a: deferred<string>(), b: deferred<string>() };
    const start = jest.fn((key: 'a' | 'b') => gates[key].promise);
    const kept: [string, string][] = [];
    const all = startAllOrThrow(['a', 'b'] as const, start, (s, key) => kept.push([key, s]));
    expect(start).toHaveBeenCalledTimes(2);
    gates.b.resolve('B');
    gates.a.resolve('A');
    await all;
    expect(kept).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
  });

  it('keeps the ones that started and rethrows the first failure, after all settled', async () => {
    const slow = deferred<string>();
    const kept: string[] = [];
    const all = startAllOrThrow(
      ['ok', 'broken', 'also broken', 'slow'],
      (key) =>
        key === 'slow'
          ? slow.promise
          : key === 'ok'
            ? Promise.resolve(key)
            : Promise.reject(new Error(`${key} did not start`)),
      (s) => kept.push(s),
    );
    all.catch(() => undefined);
    await flush();
    expect(kept).toEqual([]);
    slow.resolve('slow');
    await expect(all).rejects.toThrow('broken did not start');
    expect(kept).toEqual(['ok', 'slow']);
  });
});

describe('startEachOrThrow', () => {
  it('resolves the values of services of different kinds in order, keeping each', async () => {
    const kept: unknown[] = [];
    const [n, text] = await startEachOrThrow([Promise.resolve(1), Promise.resolve('two')], (s) =>
      kept.push(s),
    );
    expect([n + 1, text.length]).toEqual([2, 3]);
    expect(kept).toEqual([1, 'two']);
  });

  it('keeps a service that starts after another failed, before it rethrows the failure', async () => {
    const slow = deferred<string>();
    const kept: unknown[] = [];
    const all = startEachOrThrow(
      [Promise.reject(new Error('redis did not start')), slow.promise, Promise.resolve(3)],
      (s) => kept.push(s),
    );
    all.catch(() => undefined);
    await flush();
    expect(kept).toEqual([]);
    slow.resolve('broker');
    await expect(all).rejects.toThrow('redis did not start');
    expect(kept).toEqual(['broker', 3]);
  });
});
