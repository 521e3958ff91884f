import { emptyBusinessCounts } from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import { diffSnapshots, parseCounts, parseLatency, type IngestSnapshot } from './ingest-snapshot';

describe('ingest snapshot parsing and diff', () => {
  it('parses HGETALL counters, defaulting missing ones to 0 and ignoring unknown fields', () => {
    const counts = parseCounts({ recv_total: '12', dlq_total: '3', stray: '9' });

    expect(counts).toEqual({ ...emptyBusinessCounts(), recv_total: 12, dlq_total: 3 });
  });

  it('round-trips a histogram through its hash form', () => {
    const h = new LatencyHistogram();
    [3, 127, 128, 9_999, 2_500_000].forEach((us) => h.recordUs(us));
    const json = h.toJSON();
    const hash: Record<string, string> = {
      count: String(json.count),
      sumUs: String(json.sumUs),
      maxUs: String(json.maxUs),
      minUs: String(json.minUs),
    };
    for (const [bucket, n] of Object.entries(json.buckets)) {
      hash[bucket] = String(n);
    }

    expect(parseLatency(hash)).toEqual(json);
  });

  it('reads an empty hash as an empty histogram and drops zero buckets', () => {
    expect(parseLatency({})).toEqual(new LatencyHistogram().toJSON());
    expect(
      parseLatency({ '5': '0', '6': '2', count: '2', sumUs: '12', maxUs: '6', minUs: '6' }),
    ).toEqual({ buckets: { '6': 2 }, count: 2, sumUs: 12, maxUs: 6, minUs: 6 });
  });

  it('diffs two reads: exact counts and buckets, extremes from the later read', () => {
    const before: IngestSnapshot = {
      counts: { ...emptyBusinessCounts(), recv_total: 5 },
      latency: { buckets: { '1': 2, '9': 1 }, count: 3, sumUs: 11, minUs: 1, maxUs: 9 },
    };
    const after: IngestSnapshot = {
      counts: { ...emptyBusinessCounts(), recv_total: 8, dlq_total: 1 },
      latency: { buckets: { '1': 2, '9': 3, '4': 1 }, count: 6, sumUs: 33, minUs: 1, maxUs: 9 },
    };

    expect(diffSnapshots(after, before)).toEqual({
      counts: { ...emptyBusinessCounts(), recv_total: 3, dlq_total: 1 },
      latency: { buckets: { '9': 2, '4': 1 }, count: 3, sumUs: 22, minUs: 1, maxUs: 9 },
    });
  });

  it('diffs a run with no new samples to an empty histogram', () => {
    const same: IngestSnapshot = {
      counts: emptyBusinessCounts(),
      latency: { buckets: { '1': 2 }, count: 2, sumUs: 2, minUs: 1, maxUs: 1 },
    };

    expect(diffSnapshots(same, same).latency).toEqual(new LatencyHistogram().toJSON());
  });
});
