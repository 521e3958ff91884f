import { emptyFailureCounts } from './failure-class';
import { LatencyHistogram } from '@sousvide/shared-util';
import { emptyReconnectStats, ReconnectStats, summarizeReconnects } from './reconnect-stats';

function part(delaysMs: number[], firstAt: number, lastAt: number): ReconnectStats {
  const delay = new LatencyHistogram();
  delaysMs.forEach((d) => delay.recordMs(d));
  return {
    lost: delaysMs.length + 1,
    attempts: delaysMs.length * 2,
    succeeded: delaysMs.length,
    failedAttempts: { ...emptyFailureCounts(), connect_refused: delaysMs.length },
    stillDisconnected: 1,
    delay: delay.toJSON(),
    firstAt,
    lastAt,
    perSecond: { [String(Math.floor(firstAt / 1000))]: delaysMs.length },
  };
}

describe('summarizeReconnects', () => {
  it('adds counts, merges delays and per-second series, and spans first to last', () => {
    const s = summarizeReconnects([
      part([1000, 2000], 10_500, 11_200),
      undefined,
      emptyReconnectStats(),
      part([3000], 10_100, 12_900),
    ]);
    expect(s).toMatchObject({
      lost_total: 5,
      attempts_total: 6,
      succeeded_total: 3,
      still_disconnected_total: 2,
      first_at: 10_100,
      last_at: 12_900,
      spread_ms: 2800,
      per_second: { '10': 3 },
    });
    expect(s.failed_attempts_by_class.connect_refused).toBe(3);
    expect(s.delay_ms.count).toBe(3);
    expect(s.delay_ms.max).toBeGreaterThan(2900);
  });

  it('reports zeros when nothing was lost', () => {
    const s = summarizeReconnects([emptyReconnectStats(), undefined]);
    expect(s).toMatchObject({ lost_total: 0, succeeded_total: 0, first_at: 0, spread_ms: 0 });
  });
});
