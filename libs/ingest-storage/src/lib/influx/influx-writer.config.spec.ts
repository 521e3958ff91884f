import { NEVER_GZIP, resolveInfluxWriterConfig } from './influx-writer.config';

const base = { token: 't', org: 'o', bucket: 'b' };

describe('resolveInfluxWriterConfig: gzip threshold', () => {
  it.each([
    'http://127.0.0.1:8428',
    'http://localhost:8086',
    'http://127.1.2.3:8086',
    'https://[::1]:8086',
  ])('never gzips towards the loopback store %s unless told to', (url) => {
    expect(resolveInfluxWriterConfig({ ...base, url }).gzipThreshold).toBe(NEVER_GZIP);
  });

  it("gzips above 1000 bytes towards any other host, the client's own default", () => {
    expect(
      resolveInfluxWriterConfig({ ...base, url: 'http://influx.internal:8086' }).gzipThreshold,
    ).toBe(1000);
  });

  it('takes an explicit threshold over either default', () => {
    expect(
      resolveInfluxWriterConfig({ ...base, url: 'http://127.0.0.1:8428', gzipThreshold: 0 })
        .gzipThreshold,
    ).toBe(0);
    expect(
      resolveInfluxWriterConfig({
        ...base,
        url: 'http://influx.internal:8086',
        gzipThreshold: undefined,
      }).gzipThreshold,
    ).toBe(1000);
  });
});

describe('resolveInfluxWriterConfig: retry limits', () => {
  const url = 'http://127.0.0.1:8428';

  it('has no retry count by default (the budget bounds a batch) and takes a count when given', () => {
    const defaults = resolveInfluxWriterConfig({ ...base, url });
    expect(defaults.maxRetries).toBe(Number.POSITIVE_INFINITY);
    expect(defaults.retryBudgetMs).toBe(15_000);
    expect(resolveInfluxWriterConfig({ ...base, url, maxRetries: 3 }).maxRetries).toBe(3);
  });

  it.each([
    ['maxRetries', -1],
    ['maxRetries', Number.NaN],
    ['retryBudgetMs', Number.POSITIVE_INFINITY],
  ])('refuses %s = %s, naming it', (key, value) => {
    expect(() => resolveInfluxWriterConfig({ ...base, url, [key]: value })).toThrow(
      `InfluxWriter: ${key} must be a finite number >= 0, got ${value}`,
    );
  });
});
