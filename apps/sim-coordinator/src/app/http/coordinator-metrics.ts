import type { Registry } from 'prom-client';
import { processRegistry, scrapeCounter, scrapeGauge } from '@sousvide/platform';
import type { SeriesRow } from '../series/series-row';
import type { RunView } from './run.registry';

const STATUSES: RunView['status'][] = ['running', 'passed', 'failed', 'interrupted', 'error'];

/** What the metrics read: the runs of this coordinator and the running ones' latest second. */
export interface CoordinatorMetricsSource {
  runs(): RunView[];
  lastRow(runId: string): SeriesRow | undefined;
}

type Read<T> = (x: T) => number | undefined;

/** Per running run (label run_id), from its latest series row: all its agents, local ones too. */
const RUNNING: [name: string, help: string, read: Read<SeriesRow>][] = [
  ['loadtest_run_connected', 'devices connected in a running run', (row) => row.connected],
  ['loadtest_run_reconnecting', 'devices reconnecting in a running run', (row) => row.reconnecting],
  ['loadtest_run_acked', 'messages acked so far in its current attempt', (row) => row.acked_total],
  [
    'loadtest_run_failed',
    'messages failed so far in its current attempt',
    (row) => row.failed_total,
  ],
  [
    'loadtest_run_backlog_messages',
    'acked by the broker, not yet received by a gateway',
    (row) => row.backlog,
  ],
  [
    'loadtest_run_schedule_lag_max_seconds',
    'largest schedule lag in its last second',
    (row) => row.schedule_lag_max_ms / 1000,
  ],
];

const seconds = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : ms / 1000;

/** The last finished run, as its last attempt's summaries have it (no label). */
const LAST: [name: string, help: string, read: Read<RunView>][] = [
  [
    'loadtest_last_run_passed',
    '1 when the last finished run passed, else 0',
    (v) => (v.status === 'passed' ? 1 : 0),
  ],
  ['loadtest_last_run_attempts', 'attempts it took', (v) => v.attempts.length],
  [
    'loadtest_last_run_acked_messages',
    'messages acked in its last attempt',
    (v) => v.summaries.at(-1)?.published_total,
  ],
  [
    'loadtest_last_run_failed_messages',
    'messages failed in its last attempt',
    (v) => v.summaries.at(-1)?.failed_total,
  ],
  [
    'loadtest_last_run_throughput_per_second',
    'acked messages per second of its publish window',
    (v) => v.summaries.at(-1)?.throughput_total,
  ],
  [
    'loadtest_last_run_ack_p95_seconds',
    'publish to ack p95 of its last attempt',
    (v) => seconds(v.summaries.at(-1)?.publish_ack_latency_ms.p95),
  ],
  [
    'loadtest_last_run_e2e_p95_seconds',
    'e2e p95 the gateways measured in its last attempt',
    (v) => seconds(v.attempts.at(-1)?.business?.e2e_latency_ms.p95),
  ],
];

/**
 * `serve`'s /metrics, read from the run registry at scrape time. Labels: `run_id` only on the
 * runs running now (their series end with the run) and on the one last finished run's info
 * series, so a coordinator that ran a thousand runs still exports a handful of series (ADR 0024).
 */
export function coordinatorMetrics(src: CoordinatorMetricsSource): Registry {
  const r = processRegistry();
  const running = (): RunView[] => src.runs().filter((v) => v.status === 'running');
  const count = (pick: (v: RunView) => number): number =>
    src.runs().reduce((n, v) => n + pick(v), 0);
  scrapeGauge(
    r,
    'loadtest_runs',
    'runs of this coordinator by status',
    () => STATUSES.map((s) => [s, count((v) => (v.status === s ? 1 : 0))] as const),
    'status',
  );
  scrapeCounter(
    r,
    'loadtest_attempts_total',
    'attempts finished, by verdict',
    () =>
      (['passed', 'failed'] as const).map(
        (s) => [s, count((v) => v.attempts.filter((a) => a.status === s).length)] as const,
      ),
    'verdict',
  );
  scrapeGauge(
    r,
    'loadtest_run_attempt',
    'attempt a running run is on',
    () => running().map((v) => [v.runId, v.attempt] as const),
    'run_id',
  );
  for (const [name, help, read] of RUNNING) {
    scrapeGauge(
      r,
      name,
      help,
      () =>
        running().flatMap((v) => {
          const row = src.lastRow(v.runId);
          const n = row && read(row);
          return n === undefined ? [] : [[v.runId, n] as const];
        }),
      'run_id',
    );
  }
  const last = (): RunView | undefined => lastFinished(src.runs());
  scrapeGauge(
    r,
    'loadtest_last_run_info',
    'the last finished run: 1, labelled by its id',
    () => {
      const v = last();
      return v ? [[v.runId, 1] as const] : [];
    },
    'run_id',
  );
  for (const [name, help, read] of LAST) {
    scrapeGauge(r, name, help, () => {
      const v = last();
      return v && read(v);
    });
  }
  return r;
}

function lastFinished(runs: RunView[]): RunView | undefined {
  return runs
    .filter((v) => v.status !== 'running')
    .reduce<
      RunView | undefined
    >((a, b) => ((a?.endedAt ?? 0) > (b.endedAt ?? 0) ? a : b), undefined);
}
