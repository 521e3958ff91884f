import { emptyFailureCounts } from '@sousvide/loadtest-contracts';
import type { IngestSnapshot } from '@sousvide/run-accounting';
import { emptyBusinessCounts } from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import type { AttemptProgress } from '../run/attempt-supervisor';
import { seriesRow, type SeriesSample } from './series-row';

function progress(over: Partial<AttemptProgress>): AttemptProgress {
  return {
    phase: 'publishing',
    parts: 2,
    partsDone: 0,
    connected: 100,
    devices: 100,
    published: 0,
    failed: 0,
    reconnecting: 0,
    due: 0,
    failures: emptyFailureCounts(),
    lagMaxMs: 0,
    ...over,
  };
}

function ingest(recv: number, stored: number, latenciesMs: number[]): IngestSnapshot {
  const h = new LatencyHistogram();
  latenciesMs.forEach((ms) => h.recordMs(ms));
  return {
    counts: { ...emptyBusinessCounts(), recv_total: recv, pipeline_success_total: stored },
    latency: h.toJSON(),
    stages: {},
  };
}

describe('seriesRow', () => {
  it("turns cumulative agent counters into this second's rates, with failures by class", () => {
    const prev: SeriesSample = {
      at: 1000,
      progress: progress({
        published: 100,
        due: 110,
        failed: 2,
        failures: { ...emptyFailureCounts(), not_connected: 2 },
      }),
    };
    const cur: SeriesSample = {
      at: 2000,
      progress: progress({
        published: 250,
        due: 260,
        failed: 7,
        reconnecting: 3,
        lagMaxMs: 40,
        failures: { ...emptyFailureCounts(), not_connected: 4, publish_timeout: 3 },
      }),
    };
    expect(seriesRow(2, cur, prev)).toEqual({
      t: 2,
      at: 2000,
      phase: 'publishing',
      connected: 100,
      reconnecting: 3,
      due: 150,
      acked: 150,
      failed: 5,
      failed_by_class: { not_connected: 2, publish_timeout: 3 },
      schedule_lag_max_ms: 40,
      acked_total: 250,
      failed_total: 7,
    });
  });

  it("adds the gateways' second: received, stored, backlog and the percentiles of that second only", () => {
    const prev: SeriesSample = {
      at: 1000,
      progress: progress({ published: 100 }),
      ingest: ingest(80, 80, [5000, 5000]),
    };
    const cur: SeriesSample = {
      at: 2000,
      progress: progress({ published: 300 }),
      ingest: ingest(280, 270, [5000, 5000, ...Array<number>(198).fill(10)]),
    };
    const row = seriesRow(2, cur, prev);
    expect(row).toMatchObject({
      received: 200,
      stored: 190,
      received_total: 280,
      backlog: 20,
      dlq: 0,
    });
    // The two slow messages of the second before are not in this second's percentiles.
    expect(row.e2e_p99_ms).toBeLessThan(11);
    expect(row.e2e_p50_ms).toBeGreaterThan(9);
  });

  it('leaves the gateway fields out when no gateway counted the run', () => {
    const row = seriesRow(0, { at: 1, progress: progress({}) });
    expect(row).not.toHaveProperty('received');
    expect(row.acked).toBe(0);
  });
});
