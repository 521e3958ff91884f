import { summarizeBusiness } from './business-summary';
import { dlqJobId, emptyBusinessCounts } from './ingest.constants';

const latency = { count: 1000, p50: 5, p95: 20, p99: 40, max: 90, mean: 6 };

describe('summarizeBusiness', () => {
  it('passes every SLO on a healthy attempt and applies the runbook formulas', () => {
    const counts = {
      ...emptyBusinessCounts(),
      recv_total: 1000,
      parse_ok_total: 1000,
      influx_ok_total: 1000,
      redis_ok_total: 1000,
      pipeline_success_total: 1000,
      core_pipeline_success_total: 1000,
    };
    const s = summarizeBusiness({ runId: 'r', attempt: 1, counts, latency, bypass: false });
    expect(s.business_pipeline_success_rate).toBe(1);
    expect(s.slo.map((v) => v.pass)).toEqual([true, true, true, true, true]);
    expect(s.slo_pass).toBe(true);
    expect(s.recv_total).toBe(1000);
  });

  it('fails the SLOs a degraded attempt misses, with measured values', () => {
    const counts = {
      ...emptyBusinessCounts(),
      recv_total: 1000,
      parse_ok_total: 995,
      parse_fail_total: 5,
      influx_ok_total: 980,
      influx_fail_total: 15,
      redis_ok_total: 995,
    };
    const s = summarizeBusiness({
      runId: 'r',
      attempt: 2,
      counts,
      latency: { ...latency, p95: 250 },
      bypass: false,
    });
    const byName = Object.fromEntries(s.slo.map((v) => [v.name, v]));
    expect(byName['ingestion success rate']).toMatchObject({ measured: 98, pass: false });
    expect(byName['parse failure rate']).toMatchObject({ measured: 0.5, pass: false });
    expect(byName['Influx write failure rate'].measured).toBeCloseTo(1.5075, 3);
    expect(byName['Redis heartbeat failure rate']).toMatchObject({ measured: 0, pass: true });
    expect(byName['p95 end-to-end ingest latency']).toMatchObject({
      measured: 250,
      target: 200,
      pass: false,
    });
    expect(s.slo_pass).toBe(false);
  });

  it('leaves Influx out of the pipeline rate in bypass mode', () => {
    const counts = {
      ...emptyBusinessCounts(),
      recv_total: 10,
      parse_ok_total: 10,
      influx_bypass_total: 10,
      redis_ok_total: 10,
    };
    const s = summarizeBusiness({ runId: 'r', attempt: 1, counts, latency, bypass: true });
    expect(s.business_pipeline_success_rate).toBe(1);
    expect(s.influx_write_mode).toBe('bypass');
  });

  it('judges ingestion against what was published, beside the runbook rate over what arrived', () => {
    // A run cut while most messages were queued (issue 14): 100 % of what arrived, 33 % of published.
    const counts = {
      ...emptyBusinessCounts(),
      recv_total: 50_000,
      parse_ok_total: 50_000,
      influx_ok_total: 50_000,
      redis_ok_total: 50_000,
      pipeline_success_total: 50_000,
    };
    const s = summarizeBusiness({
      runId: 'r',
      attempt: 1,
      counts,
      latency,
      bypass: false,
      publishedTotal: 150_000,
      inDlq: 0,
    });
    expect(s.business_pipeline_success_rate).toBe(1);
    expect(s.business_pipeline_success_rate_of_published).toBeCloseTo(0.333333, 6);
    expect(s.slo[0]).toMatchObject({
      name: 'ingestion success rate',
      measured: 33.3333,
      pass: false,
    });
    expect(s.accounting).toMatchObject({ lost: 100_000, in_flight: 0 });
  });

  it('judges against the targets given for the run and records them', () => {
    const counts = { ...emptyBusinessCounts(), recv_total: 10, parse_ok_total: 10 };
    const targets = {
      ingestionSuccessPct: 0,
      parseFailurePct: 1,
      influxFailurePct: 1,
      redisFailurePct: 1,
      p95LatencyMs: 10,
    };
    const s = summarizeBusiness({
      runId: 'r',
      attempt: 1,
      counts,
      latency,
      bypass: false,
      targets,
    });
    expect(s.slo_targets).toEqual(targets);
    expect(s.slo.find((v) => v.name === 'p95 end-to-end ingest latency')).toMatchObject({
      target: 10,
      margin: -10,
      pass: false,
    });
  });

  it('never passes an attempt in which nothing was received', () => {
    const s = summarizeBusiness({
      runId: 'r',
      attempt: 1,
      counts: emptyBusinessCounts(),
      latency,
      bypass: false,
    });
    expect(s.slo_pass).toBe(false);
  });
});

describe('dlqJobId', () => {
  it('is deterministic and free of ":"', () => {
    expect(dlqJobId('influx', 'sv-000001:42')).toBe('influx__sv-000001_42');
  });
});
