import { LatencyHistogram } from '@sousvide/shared-util';
import { diffSnapshots, snapshotFromHashes } from './ingest-snapshot';

describe('ingest snapshots', () => {
  it('reads counters and histogram buckets from Redis hashes', () => {
    const s = snapshotFromHashes(
      { recv_total: '10', parse_ok_total: '9' },
      { '5': '2', '130': '1', count: '3', sumUs: '300', maxUs: '200' },
    );
    expect(s.counts.recv_total).toBe(10);
    expect(s.counts.redis_ok_total).toBe(0);
    expect(s.latency.buckets).toEqual({ '5': 2, '130': 1 });
    expect(s.latency.count).toBe(3);
  });

  it('diffs two snapshots into an attempt-only view whose percentiles are right', () => {
    const before = new LatencyHistogram();
    const after = new LatencyHistogram();
    for (let i = 0; i < 100; i += 1) {
      before.recordMs(1000);
      after.recordMs(1000);
    }
    for (let i = 0; i < 100; i += 1) {
      after.recordMs(5);
    }
    const hash = (h: LatencyHistogram): Record<string, string> => {
      const j = h.toJSON();
      return {
        ...Object.fromEntries(Object.entries(j.buckets).map(([k, v]) => [k, String(v)])),
        count: String(j.count),
        sumUs: String(j.sumUs),
        maxUs: String(j.maxUs),
      };
    };
    const d = diffSnapshots(
      snapshotFromHashes({ recv_total: '300' }, hash(after)),
      snapshotFromHashes({ recv_total: '100' }, hash(before)),
    );
    expect(d.counts.recv_total).toBe(200);
    expect(d.latency.count).toBe(100);
    expect(LatencyHistogram.fromJSON(d.latency).stats().p95).toBeCloseTo(5, 0);
  });
});
