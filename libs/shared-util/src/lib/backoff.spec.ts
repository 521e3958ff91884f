import { backoffCeilingMs, fullJitterBackoffMs, retrying } from './backoff';

const policy = { baseMs: 500, capMs: 10_000 };

/** Deterministic uniform [0, 1) (xorshift32), so the spread checks never flake. */
function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

describe('reconnect backoff', () => {
  it('doubles the ceiling from the base per attempt and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffCeilingMs(a, policy))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect(backoffCeilingMs(5000, policy)).toBe(10_000);
    expect(backoffCeilingMs(-1, policy)).toBe(500);
  });

  it('draws delays in [0, ceiling): 0 for random 0, just under the ceiling for random ~1', () => {
    expect(fullJitterBackoffMs(0, policy, () => 0)).toBe(0);
    expect(fullJitterBackoffMs(0, policy, () => 0.999999)).toBe(499);
    expect(fullJitterBackoffMs(3, policy, () => 0.5)).toBe(2000);
    expect(fullJitterBackoffMs(60, policy, () => 0.999999)).toBe(9999);
  });

  it('never leaves the bounds, whatever the attempt', () => {
    const random = seeded(7);
    for (let attempt = 0; attempt < 40; attempt += 1) {
      for (let i = 0; i < 200; i += 1) {
        const d = fullJitterBackoffMs(attempt, policy, random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(backoffCeilingMs(attempt, policy));
        expect(Number.isInteger(d)).toBe(true);
      }
    }
  });

  it('spreads many clients over the whole window instead of bunching them (full jitter)', () => {
    const random = seeded(42);
    const delays = Array.from({ length: 10_000 }, () => fullJitterBackoffMs(4, policy, random));
    // Ceiling 8000 ms: ten 800 ms buckets, each near a tenth of the clients.
    const buckets = new Array<number>(10).fill(0);
    for (const d of delays) {
      buckets[Math.floor(d / 800)] += 1;
    }
    for (const n of buckets) {
      expect(n).toBeGreaterThan(850);
      expect(n).toBeLessThan(1150);
    }
    const within100ms = delays.filter((d) => d < 100).length;
    expect(within100ms).toBeLessThan(200);
  });
});

describe('retrying', () => {
  const policy = { baseMs: 100, capMs: 250 };
  const flaky = (failures: Error[]) => {
    let calls = 0;
    return {
      attempt: () => {
        const err = failures[calls];
        calls += 1;
        return err ? Promise.reject(err) : Promise.resolve(calls);
      },
      calls: () => calls,
    };
  };

  it('tries again after a retryable failure, waiting the backoff ceiling each time', async () => {
    const waits: number[] = [];
    const f = flaky([new Error('unable to freeze'), new Error('unable to freeze')]);
    const value = await retrying(f.attempt, {
      tries: 5,
      policy,
      retryable: (e) => /freeze/.test((e as Error).message),
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    });
    expect({ value, waits }).toEqual({ value: 3, waits: [100, 200] });
  });

  it('gives up at once on an error it is not told to retry, and after the last try', async () => {
    const sleep = () => Promise.resolve();
    const other = flaky([new Error('no such container')]);
    await expect(
      retrying(other.attempt, { tries: 5, policy, retryable: () => false, sleep }),
    ).rejects.toThrow('no such container');
    expect(other.calls()).toBe(1);
    const always = flaky(Array.from({ length: 9 }, () => new Error('unable to freeze')));
    await expect(
      retrying(always.attempt, { tries: 3, policy, retryable: () => true, sleep }),
    ).rejects.toThrow('unable to freeze');
    expect(always.calls()).toBe(3);
  });
});
