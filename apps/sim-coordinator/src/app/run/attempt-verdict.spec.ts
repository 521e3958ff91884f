import {
  emptyBusinessCounts,
  SLO_TARGETS,
  summarizeBusiness,
  type SloTargets,
} from '@sousvide/loadtest-contracts';
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
const business = (p95: number, counts = healthy, published = 1000, targets?: SloTargets) =>
  summarizeBusiness({
    runId: 'r',
    attempt: 1,
    counts,
    latency: { count: 1000, p50: 5, p95, p99: p95, max: p95, mean: 6 },
    bypass: false,
    publishedTotal: published,
    inDlq: 0,
    targets,
  });
const judge = (
  b: ReturnType<typeof business> | undefined,
  o: { generatorReasons?: string[]; saturated?: boolean; gated?: boolean } = {},
) =>
  attemptVerdict({
    generatorReasons: o.generatorReasons ?? [],
    business: b,
    generatorSaturated: o.saturated ?? false,
    gated: o.gated ?? true,
    targets: b?.slo_targets ?? SLO_TARGETS,
  });

describe('attemptVerdict', () => {
  it('passes an attempt whose generator, every SLO and the accounting passed', () => {
    const v = judge(business(49));
    expect(v).toMatchObject({ status: 'passed', reasons: [], retry: false });
    expect(v.gate.pass).toBe(true);
    expect(v.gate.checks.map((c) => [c.name, c.pass])).toEqual([
      ['ingestion success rate', true],
      ['parse failure rate', true],
      ['Influx write failure rate', true],
      ['Redis heartbeat failure rate', true],
      ['p95 end-to-end ingest latency', true],
      ['lost messages', true],
    ]);
  });

  it('fails the gate on a missed p95 with its figure, target and miss, without a retry', () => {
    const v = judge(business(578));
    expect(v).toMatchObject({
      status: 'gate_failed',
      reasons: [
        'SLO missed: p95 end-to-end ingest latency 578ms (target < 200ms, missed by 378ms)',
      ],
      retry: false,
    });
    expect(v.gate.checks.find((c) => c.name === 'p95 end-to-end ingest latency')).toMatchObject({
      measured: 578,
      target: 200,
      margin: -378,
      pass: false,
    });
  });

  it('fails the gate on lost messages even when every SLO passed', () => {
    // 1,000 stored of 1,001 published: 99.9 % passes, the one message found nowhere does not.
    const v = judge(business(49, healthy, 1001));
    expect(v.status).toBe('gate_failed');
    expect(v.reasons).toEqual([
      'accounting missed: lost messages 1 messages (target <= 0 messages, missed by 1 messages)',
    ]);
  });

  it('flips with the targets: a p95 target of 0.001 ms fails what a generous one passes', () => {
    const strict = { ...SLO_TARGETS, p95LatencyMs: 0.001 };
    const generous = { ...SLO_TARGETS, p95LatencyMs: 60_000 };
    expect(judge(business(49, healthy, 1000, strict)).status).toBe('gate_failed');
    expect(judge(business(900, healthy, 1000, generous)).status).toBe('passed');
  });

  it('reports but does not gate when not gated: status passed, checks kept, no gate reasons', () => {
    const v = judge(business(578), { gated: false });
    expect(v.status).toBe('passed');
    expect(v.reasons).toEqual([]);
    expect(v.gate).toMatchObject({ gated: false, pass: false });
  });

  it('names every missed check and says when the generator saturated', () => {
    const degraded = {
      ...healthy,
      influx_ok_total: 900,
      influx_fail_total: 100,
      pipeline_success_total: 900,
    };
    const v = judge(business(250, degraded, 900), { saturated: true });
    expect(v.reasons).toEqual([
      'SLO missed: Influx write failure rate 10% (target < 0.5%, missed by 9.5%)',
      'SLO missed: p95 end-to-end ingest latency 250ms (target < 200ms, missed by 50ms)',
      'the generator saturated during this attempt: the SLO misses are not a backend result alone',
    ]);
  });

  it('keeps generator-side reasons first, fails the attempt (exit 1) and retries only for them', () => {
    const v = judge(business(300), { generatorReasons: ['3 of 10 scheduled messages failed'] });
    expect(v).toMatchObject({
      status: 'failed',
      reasons: [
        '3 of 10 scheduled messages failed',
        'SLO missed: p95 end-to-end ingest latency 300ms (target < 200ms, missed by 100ms)',
      ],
      retry: true,
    });
  });

  it('judges only the generator when no gateway counted the run', () => {
    expect(judge(undefined)).toMatchObject({ status: 'passed', gate: { checks: [], pass: true } });
  });
});
