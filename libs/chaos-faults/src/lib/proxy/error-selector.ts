/** Rates are applied in parts per million so that n * rate is exact integer arithmetic. */
const PPM = 1_000_000;

/**
 * Decides, request by request, which ones fail at a given rate.
 *
 * `spread`: request k (0-based) fails iff floor((k+1) * rate) > floor(k * rate), so after any n
 * requests exactly floor(n * rate) have failed, evenly spaced (rate 0.5: every second one).
 * `{ seed }`: each request fails with probability `rate` from a seeded PRNG (mulberry32), for an
 * irregular but reproducible pattern.
 */
export class ErrorSelector {
  private readonly ppm: number;
  private readonly random?: () => number;
  private count = 0;

  constructor(rate: number, selection: 'spread' | { seed: number } = 'spread') {
    this.ppm = Math.round(rate * PPM);
    if (selection !== 'spread') {
      this.random = mulberry32(selection.seed);
    }
  }

  /** True when the next request should fail. */
  next(): boolean {
    if (this.random) {
      return this.random() * PPM < this.ppm;
    }
    const k = this.count++;
    return Math.floor(((k + 1) * this.ppm) / PPM) > Math.floor((k * this.ppm) / PPM);
  }
}

/** Small, well-distributed 32-bit PRNG; uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
