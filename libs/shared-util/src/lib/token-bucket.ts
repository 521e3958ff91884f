/** Clock and sleep, injectable so the spec runs without real time. */
export interface BucketClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const REAL_CLOCK: BucketClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Token bucket for `--rate`: `ratePerSec` tokens per second, holding at most `capacity` (one
 * second's worth by default) so a pause does not turn into a burst bigger than a second's rate.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly capacity = Math.max(1, ratePerSec),
    private readonly clock: BucketClock = REAL_CLOCK,
  ) {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) {
      throw new Error(`TokenBucket: rate must be a finite number > 0, got ${ratePerSec}`);
    }
    this.tokens = this.capacity;
    this.last = clock.now();
  }

  /** Largest `n` that {@link take} accepts; callers size their batches by it. */
  get maxTake(): number {
    return Math.floor(this.capacity);
  }

  /** Waits until `n` tokens are available and takes them. */
  async take(n: number): Promise<void> {
    if (n > this.capacity) {
      throw new Error(`TokenBucket: cannot take ${n} tokens, capacity is ${this.capacity}`);
    }
    for (;;) {
      this.refill();
      if (this.tokens >= n) {
        this.tokens -= n;
        return;
      }
      await this.clock.sleep(Math.ceil(((n - this.tokens) / this.ratePerSec) * 1000));
    }
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.last) / 1000) * this.ratePerSec,
    );
    this.last = now;
  }
}
