import { LatencyHistogram } from './histogram';

describe('LatencyHistogram', () => {
  it('reports percentiles within the bucket precision', () => {
    const h = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms += 1) {
      h.recordMs(ms);
    }
    const s = h.stats();
    expect(s.count).toBe(1000);
    expect(s.p50).toBeGreaterThan(500 * 0.984);
    expect(s.p50).toBeLessThan(500 * 1.016);
    expect(s.p95).toBeGreaterThan(950 * 0.984);
    expect(s.p95).toBeLessThan(950 * 1.016);
    expect(s.p99).toBeGreaterThan(990 * 0.984);
    expect(s.max).toBe(1000);
    expect(s.mean).toBeCloseTo(500.5, 1);
  });

  it('keeps sub-millisecond values exact to the microsecond below 128 us', () => {
    const h = new LatencyHistogram();
    h.recordUs(5);
    h.recordUs(100);
    expect(h.quantileMs(0.5)).toBe(0.005);
    expect(h.quantileMs(1)).toBe(0.1);
  });

  it('merges to the same result as recording everything in one histogram', () => {
    const all = new LatencyHistogram();
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 5000; i += 1) {
      const v = (i * 7919) % 3000;
      all.recordMs(v);
      (i % 2 === 0 ? a : b).recordMs(v);
    }
    const merged = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    merged.merge(b.toJSON());
    expect(merged.stats()).toEqual(all.stats());
    expect(merged.toJSON()).toEqual(all.toJSON());
  });

  it('is all zeros when empty and treats negative latencies as zero', () => {
    expect(new LatencyHistogram().stats()).toEqual({
      count: 0,
      p50: 0,
      p95: 0,
      p99: 0,
      max: 0,
      mean: 0,
    });
    const h = new LatencyHistogram();
    h.recordMs(-3);
    expect(h.stats().max).toBe(0);
  });

  it('does not let one slow outlier move p95 of a fast population', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 99; i += 1) {
      h.recordMs(2);
    }
    h.recordMs(5000);
    expect(h.stats().p95).toBeLessThan(2.1);
    expect(h.stats().max).toBe(5000);
  });
});
