import type { SeriesRow } from '../series/series-row';
import { coordinatorMetrics } from './coordinator-metrics';
import type { RunView } from './run.registry';

const run = (runId: string, status: RunView['status'], endedAt?: number): RunView =>
  ({ runId, status, endedAt, attempt: 1, attempts: [], summaries: [] }) as unknown as RunView;

const lines = async (runs: RunView[], rows: Record<string, Partial<SeriesRow>>) =>
  (
    await coordinatorMetrics({
      runs: () => runs,
      lastRow: (id) => rows[id] as SeriesRow | undefined,
    }).metrics()
  )
    .split('\n')
    .filter((l) => l.startsWith('loadtest_'));

describe('coordinatorMetrics', () => {
  it('counts runs by status and labels only running runs and the last finished one by id', async () => {
    const runs = [
      run('old', 'passed', 1000),
      run('last', 'failed', 2000),
      run('now', 'running'),
      run('older', 'passed', 500),
    ];
    const got = await lines(runs, { now: { connected: 7, backlog: 3, acked_total: 40 } });
    expect(got).toEqual(
      expect.arrayContaining([
        'loadtest_runs{status="running"} 1',
        'loadtest_runs{status="passed"} 2',
        'loadtest_runs{status="failed"} 1',
        'loadtest_runs{status="error"} 0',
        'loadtest_run_connected{run_id="now"} 7',
        'loadtest_run_backlog_messages{run_id="now"} 3',
        'loadtest_run_acked{run_id="now"} 40',
        'loadtest_last_run_info{run_id="last"} 1',
        'loadtest_last_run_passed 0',
      ]),
    );
    const ids = got.flatMap((l) => /run_id="([^"]+)"/.exec(l)?.[1] ?? []);
    expect(new Set(ids)).toEqual(new Set(['now', 'last']));
  });

  it('leaves a figure out rather than inventing it', async () => {
    // No gateway counted the run: its rows have no backlog; no run has finished yet.
    const got = await lines([run('now', 'running')], { now: { connected: 1 } });
    expect(got.filter((l) => /backlog|last_run/.test(l))).toEqual([]);
  });
});
