import { parseGatewayMetrics, p95Between } from './gateway-scrape';

const scrape = (recv: number, buckets: [string, number][]) =>
  parseGatewayMetrics(
    [
      '# HELP ingest_recv_total ingest recv total',
      `ingest_recv_total ${recv}`,
      'ingest_pipeline_success_total 90',
      'ingest_influx_fail_total 4',
      'ingest_redis_fail_total 6',
      'ingest_dlq_total 7',
      'ingest_spooled_total 3',
      'ingest_spool_entries 2',
      ...buckets.map(([le, n]) => `ingest_e2e_latency_seconds_bucket{le="${le}"} ${n}`),
    ].join('\n'),
  );

describe('gateway scrape', () => {
  it('reads the cumulative counters the sampler needs', () => {
    expect(scrape(100, [])).toMatchObject({
      received: 100,
      stored: 90,
      failed: 10,
      dlq: 10,
      spool: 2,
    });
  });

  it('takes the p95 of what was observed between two scrapes, as its bucket bound', () => {
    const before = scrape(0, [
      ['0.05', 100],
      ['0.2', 100],
      ['1', 100],
      ['+Inf', 100],
    ]);
    // 100 new observations: 10 under 50 ms, 80 more under 200 ms, 10 under 1 s.
    const after = scrape(0, [
      ['0.05', 110],
      ['0.2', 190],
      ['1', 200],
      ['+Inf', 200],
    ]);
    expect(p95Between(before, after)).toBe(1000);
    const fast = scrape(0, [
      ['0.05', 200],
      ['0.2', 200],
      ['1', 200],
      ['+Inf', 200],
    ]);
    expect(p95Between(before, fast)).toBe(50);
    expect(p95Between(before, before)).toBeNull();
  });
});
