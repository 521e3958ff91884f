import { Subject } from 'rxjs';
import type { SeriesRow } from '../series/series-row';

/** What the live page streams: a second of the running attempt, or the end of the run. */
export type LiveEvent = { type: 'row'; attempt: number; row: SeriesRow } | { type: 'end' };

interface LiveRun {
  attempt: number;
  rows: SeriesRow[];
  events: Subject<LiveEvent>;
  ended: boolean;
}

/**
 * The series of runs this coordinator is running, in memory for the live page: the current
 * attempt's rows so far (a page opened late draws them at once) and a stream of what follows.
 */
export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

  begin(runId: string): void {
    this.runs.set(runId, { attempt: 1, rows: [], events: new Subject(), ended: false });
  }

  row(runId: string, attempt: number, row: SeriesRow): void {
    const run = this.runs.get(runId);
    if (!run) {
      return;
    }
    if (attempt !== run.attempt) {
      run.attempt = attempt;
      run.rows = [];
    }
    run.rows.push(row);
    run.events.next({ type: 'row', attempt, row });
  }

  end(runId: string): void {
    const run = this.runs.get(runId);
    if (run) {
      run.ended = true;
      run.events.next({ type: 'end' });
      run.events.complete();
    }
  }

  /** The latest second of a running run (what /metrics shows of it). */
  lastRow(runId: string): SeriesRow | undefined {
    const run = this.runs.get(runId);
    return run && !run.ended ? run.rows.at(-1) : undefined;
  }

  get(runId: string): Readonly<LiveRun> | undefined {
    return this.runs.get(runId);
  }
}
