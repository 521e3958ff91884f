import type { SloVerdict } from '@sousvide/loadtest-contracts';
import type { AttemptArtifacts } from './run-artifacts';

/**
 * The coordinator command that repeats an attempt's spec, option for option (cli-args). Written
 * from run.json rather than recorded, so runs from before this table get one too.
 */
export function equivalentCommand(a: AttemptArtifacts): string {
  const s = a.run.spec;
  return [
    'loadtest run',
    `--connections ${s.totalConnections}`,
    `--partitions ${s.partitions}`,
    `--parallelism ${s.connectParallelism}`,
    `--mps ${s.mps}`,
    `--duration ${s.durationSec}`,
    `--qos ${s.qos}`,
    `--model ${s.model}`,
    `--max-attempts ${s.maxAttempts}`,
  ].join(' ');
}

const num = (v: number | undefined): string => (v === undefined ? '-' : v.toLocaleString('en-US'));

/** `PASS 12.5ms` / `**FAIL** 250ms`, the way docs/benchmarks.md marks a missed SLO. */
export function sloCell(v: SloVerdict | undefined): string {
  return v ? `${v.pass ? 'PASS' : '**FAIL**'} ${v.measured}${v.unit}` : '-';
}

export const TABLE_HEAD = [
  'command',
  'run id',
  'attempt',
  'result',
  'connected',
  'CONNECT/s',
  'published',
  'failed',
  'msg/s (offered)',
  'ack p95 ms',
  'generator',
  'e2e p50 / p95 / p99 ms',
  'SLO success',
  'SLO parse',
  'SLO Influx',
  'SLO Redis',
  'SLO p95',
  'lost',
];

/** One row per run: its last attempt, which carries the run's verdict. */
export function tableRow(a: AttemptArtifacts): string[] {
  const c = a.connection;
  const b = a.business;
  const status = a.run.status ?? 'unfinished';
  const reasons = a.run.reasons ?? [];
  return [
    `\`${equivalentCommand(a)}\``,
    a.run.spec.runId,
    String(a.run.attempt),
    status === 'passed'
      ? 'PASSED'
      : `**${status.toUpperCase()}**${reasons.length ? `: ${reasons[0].replace(/\|/g, '/')}` : ''}`,
    c ? `${c.connected_total}/${c.devices}` : '-',
    num(c?.connect_rate_per_sec),
    num(c?.published_total),
    num(c?.failed_total),
    c ? `${c.throughput_total} (${c.offered_rate})` : '-',
    num(c?.publish_ack_latency_ms.p95),
    !c ? '-' : c.generator_saturated ? '**SATURATED**' : 'ok',
    b ? `${b.e2e_latency_ms.p50} / ${b.e2e_latency_ms.p95} / ${b.e2e_latency_ms.p99}` : '-',
    ...[0, 1, 2, 3, 4].map((i) => sloCell(b?.slo[i])),
    num(b?.accounting?.lost),
  ];
}

/** The Markdown table docs/benchmarks.md uses, one row per run (its last attempt). */
export function benchmarkTable(attempts: AttemptArtifacts[]): string {
  return [
    `| ${TABLE_HEAD.join(' | ')} |`,
    `| ${TABLE_HEAD.map(() => '---').join(' | ')} |`,
    ...attempts.map((a) => `| ${tableRow(a).join(' | ')} |`),
  ].join('\n');
}
