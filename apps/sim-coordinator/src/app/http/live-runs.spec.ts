import type { SeriesRow } from '../series/series-row';
import { type LiveEvent, LiveRuns } from './live-runs';

const row = (t: number): SeriesRow => ({ t }) as SeriesRow;

describe('LiveRuns', () => {
  it("keeps the current attempt's rows, streams each one, and ends the stream with the run", () => {
    const live = new LiveRuns();
    live.begin('r1');
    const seen: LiveEvent[] = [];
    let completed = false;
    live
      .get('r1')
      ?.events.subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    live.row('r1', 1, row(1));
    live.row('r1', 1, row(2));
    live.row('r1', 2, row(1));
    expect(live.get('r1')).toMatchObject({ attempt: 2, rows: [row(1)], ended: false });
    live.end('r1');
    expect(seen.map((e) => e.type)).toEqual(['row', 'row', 'row', 'end']);
    expect(completed).toBe(true);
    expect(live.get('r1')?.ended).toBe(true);
  });

  it('ignores rows of runs it was not told about', () => {
    const live = new LiveRuns();
    live.row('other', 1, row(1));
    expect(live.get('other')).toBeUndefined();
  });
});
