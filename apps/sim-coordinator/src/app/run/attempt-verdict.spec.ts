import { emptyBusinessCounts, summarizeBusiness } from '@sousvide/loadtest-contracts';
import { attemptVerdict } from './attempt-verdict';

const healthy = {
  ...emptyBusinessCounts(),
  recv_total: 1000,
  parse_ok_total: 1000,
  influx_ok_total: 1000,
  redis_ok_total: 1000,
  pipeline_success_total: 1000,
  core_pipeline_success_total: 1000,
};
const business = (p95: number, counts = healthy) =>
  summarizeBusiness({
    runId: 'r',
    attempt: 1,
    counts,
    latency: { count: 1000, p50: 5, p95, p99: p95, max: p95, mean: 6 },
    bypass: false,
  });

describe('attemptVerdict', () => {
  it('passes an attempt whose generator and every SLO passed', () => {
    expect(attemptVerdict([], business(49), false)).toEqual({
      status: 'passed',
      reasons: [],
      retry: false,
    });
  });

  it('fails an attempt that missed the p95 SLO, naming it, its figure and target, without a retry', () => {
    expect(attemptVerdict([], business(578), false)).toEqual({
      status: 'failed',
      reasons: ['SLO missed: p95 end-to-end ingest latency 578ms (target < 200ms)'],
      retry: false,
    });
  });

  it('names every missed SLO and says when the generator saturated', () => {
    const degraded = {
      ...healthy,
      influx_ok_total: 900,
      influx_fail_total: 100,
      pipeline_success_total: 900,
    };
    const v = attemptVerdict([], business(250, degraded), true);
    expect(v.reasons).toEqual([
      'SLO missed: ingestion success rate 90% (target >= 99.9%)',
      'SLO missed: Influx write failure rate 10% (target < 0.5%)',
      'SLO missed: p95 end-to-end ingest latency 250ms (target < 200ms)',
      'the generator saturated during this attempt: the SLO misses are not a backend result alone',
    ]);
  });

  it('keeps generator-side reasons first and retries only for them', () => {
    const v = attemptVerdict(['3 of 10 scheduled messages failed'], business(300), false);
    expect(v).toEqual({
      status: 'failed',
      reasons: [
        '3 of 10 scheduled messages failed',
        'SLO missed: p95 end-to-end ingest latency 300ms (target < 200ms)',
      ],
      retry: true,
    });
  });

  it('judges only the generator when no gateway counted the run', () => {
    expect(attemptVerdict([], undefined, false).status).toBe('passed');
  });
});
