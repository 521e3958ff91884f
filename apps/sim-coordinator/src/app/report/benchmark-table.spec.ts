import type { BusinessSummary, ConnectionSummary } from '@sousvide/loadtest-contracts';
import { benchmarkTable, equivalentCommand, TABLE_HEAD } from './benchmark-table';
import type { AttemptArtifacts } from './run-artifacts';

const spec = {
  runId: 'r1',
  totalConnections: 200,
  partitions: 2,
  connectParallelism: 40,
  mps: 1,
  durationSec: 10,
  qos: 1,
  model: 'lean',
  maxAttempts: 1,
};

function attempt(over: Partial<AttemptArtifacts>): AttemptArtifacts {
  return {
    dir: '/x/r1/attempt-1',
    run: {
      spec: spec as AttemptArtifacts['run']['spec'],
      attempt: 1,
      shape: { partitions: 2, connectParallelism: 40 },
      startedAt: '2026-12-02T00:00:00Z',
      agents: 'local',
      status: 'failed',
      reasons: ['SLO missed: p95 end-to-end ingest latency 250ms (target < 200ms)'],
    },
    series: [],
    extras: {},
    ...over,
  };
}

describe('benchmarkTable', () => {
  it('gives the command that repeats the spec', () => {
    expect(equivalentCommand(attempt({}))).toBe(
      'loadtest run --connections 200 --partitions 2 --parallelism 40 --mps 1 --duration 10 --qos 1 --model lean --max-attempts 1',
    );
  });

  it('prints one row per run with the figures and each SLO verdict, a missed one in bold', () => {
    const connection = {
      connected_total: 200,
      devices: 200,
      connect_rate_per_sec: 1234,
      published_total: 2000,
      failed_total: 0,
      throughput_total: 200.01,
      offered_rate: 200,
      publish_ack_latency_ms: { p95: 5.5 },
      generator_saturated: false,
    } as unknown as ConnectionSummary;
    const verdict = (measured: number, pass: boolean) => ({ measured, pass, unit: 'ms' });
    const business = {
      e2e_latency_ms: { p50: 10, p95: 250, p99: 300 },
      slo: [
        verdict(100, true),
        verdict(0, true),
        verdict(0, true),
        verdict(0, true),
        verdict(250, false),
      ],
      accounting: { lost: 0 },
    } as unknown as BusinessSummary;
    const lines = benchmarkTable([
      attempt({ connection, business }),
      attempt({ run: { ...attempt({}).run, status: undefined } }),
    ]).split('\n');
    expect(lines[0]).toBe(`| ${TABLE_HEAD.join(' | ')} |`);
    expect(lines[2].split(' | ').slice(1)).toEqual([
      'r1',
      '1',
      '**FAILED**: SLO missed: p95 end-to-end ingest latency 250ms (target < 200ms)',
      '200/200',
      '1,234',
      '2,000',
      '0',
      '200.01 (200)',
      '5.5',
      'ok',
      '10 / 250 / 300',
      'PASS 100ms',
      'PASS 0ms',
      'PASS 0ms',
      'PASS 0ms',
      '**FAIL** 250ms',
      '0 |',
    ]);
    // A run without summaries (killed) still gets its row, with dashes.
    expect(lines[3]).toContain('| **UNFINISHED**');
    expect(lines[3].endsWith('| - | - | - | - | - | - |')).toBe(true);
  });
});
