import { TokenBucket, type BucketClock } from './token-bucket';

/** A clock that only moves when the bucket sleeps, so the spec measures waits exactly. */
class FakeClock implements BucketClock {
  time = 0;
  readonly sleeps: number[] = [];
  now = (): number => this.time;
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  };
}

describe('TokenBucket', () => {
  it('starts full, so the first second of work is not delayed', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, undefined, clock);
    await bucket.take(10);
    expect(clock.sleeps).toEqual([]);
  });

  it('then paces takes at the rate', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, undefined, clock);
    await bucket.take(10);
    await bucket.take(5);
    expect(clock.time).toBe(500);
    await bucket.take(10);
    expect(clock.time).toBe(1500);
  });

  it('does not bank more than its capacity during a pause', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(4, undefined, clock);
    await bucket.take(4);
    clock.time += 10_000;
    await bucket.take(4);
    const before = clock.time;
    await bucket.take(4);
    expect(clock.time - before).toBe(1000);
  });

  it('handles rates below one per second', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(0.5, undefined, clock);
    expect(bucket.maxTake).toBe(1);
    await bucket.take(1);
    await bucket.take(1);
    expect(clock.time).toBe(2000);
  });

  it('refuses takes bigger than its capacity and non-positive rates', async () => {
    const bucket = new TokenBucket(2, undefined, new FakeClock());
    await expect(bucket.take(3)).rejects.toThrow(/capacity is 2/);
    expect(() => new TokenBucket(0)).toThrow(/rate must be/);
  });
});
