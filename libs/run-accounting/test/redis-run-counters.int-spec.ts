import Redis from 'ioredis';
import { emptyBusinessCounts } from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import { startRedis, type RedisService } from '@sousvide/testing';
import { RUN_KEYS, RUN_KEYS_TTL_SEC, RunCounters } from '../src';

/** Deterministic spread of latencies (µs) from 0 to ~3 s, hitting linear and log buckets. */
function latencyUs(i: number): number {
  return (i * 7919) % 3_000_000;
}

describe('RunCounters (real Redis)', () => {
  let redis: RedisService;
  let clientA: Redis;
  let clientB: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    // Two clients stand for two gateway instances: separate connections, no shared state.
    clientA = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clientB = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    clientA?.disconnect();
    clientB?.disconnect();
    await redis?.stop();
  });

  it('aggregates exactly when two instances add concurrently', async () => {
    const runId = 'concurrent';
    const a = new RunCounters(clientA);
    const b = new RunCounters(clientB);
    const all = new LatencyHistogram();
    const adds: Promise<boolean>[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const h = new LatencyHistogram();
      h.recordUs(latencyUs(i));
      all.recordUs(latencyUs(i));
      const delta = { recv_total: 1, parse_ok_total: 1, parse_fail_total: i % 2 };
      // Alternate instances and pass both histogram forms (instance and JSON).
      adds.push(i % 2 === 0 ? a.add(runId, delta, h) : b.add(runId, delta, h.toJSON()));
    }
    await Promise.all(adds);

    const totals = await a.read(runId);
    expect(totals.counts).toEqual({
      ...emptyBusinessCounts(),
      recv_total: 2000,
      parse_ok_total: 2000,
      parse_fail_total: 1000,
    });
    expect(totals.latency).toEqual(all.toJSON());
    expect(LatencyHistogram.fromJSON(totals.latency).stats()).toEqual(all.stats());
  });

  it('keeps the largest max and smallest min whatever the order of adds', async () => {
    const runId = 'extremes';
    const counters = new RunCounters(clientA);
    for (const us of [500, 90_000, 20, 4000]) {
      const h = new LatencyHistogram();
      h.recordUs(us);
      await counters.add(runId, {}, h);
    }

    const { latency } = await counters.read(runId);
    expect(latency).toMatchObject({ count: 4, minUs: 20, maxUs: 90_000, sumUs: 94_520 });
  });

  it('expires both keys after the run TTL and skips empty deltas', async () => {
    const runId = 'ttl';
    const counters = new RunCounters(clientA);
    await counters.add(runId, { recv_total: 0 }, new LatencyHistogram());
    expect(await clientA.exists(RUN_KEYS.runCounters(runId))).toBe(0);

    const h = new LatencyHistogram();
    h.recordMs(12);
    await counters.add(runId, { redis_ok_total: 3 }, h);

    for (const key of [RUN_KEYS.runCounters(runId), RUN_KEYS.runLatency(runId)]) {
      const ttl = await clientA.ttl(key);
      expect(ttl).toBeGreaterThan(RUN_KEYS_TTL_SEC - 60);
      expect(ttl).toBeLessThanOrEqual(RUN_KEYS_TTL_SEC);
    }
  });

  it('rejects a fractional delta before writing anything', async () => {
    const runId = 'fraction';
    const counters = new RunCounters(clientA);

    await expect(counters.add(runId, { recv_total: 1, dlq_total: 0.5 })).rejects.toThrow(
      RangeError,
    );
    expect(await clientA.exists(RUN_KEYS.runCounters(runId))).toBe(0);
  });

  it('applies a delta sent again under the same id once (a retry after a timed-out reply)', async () => {
    const runId = 'delta-once';
    const counters = new RunCounters(clientA);
    const h = new LatencyHistogram();
    h.recordMs(12);
    expect(await counters.add(runId, { recv_total: 5 }, h, 'gw-1-42')).toBe(true);
    expect(await counters.add(runId, { recv_total: 5 }, h, 'gw-1-42')).toBe(false);
    expect(await counters.add(runId, { recv_total: 1 }, undefined, 'gw-1-43')).toBe(true);
    const snap = await counters.read(runId);
    expect(snap.counts.recv_total).toBe(6);
    expect(snap.latency.count).toBe(1);
  });

  it('reads an unknown run as zeros and diffs two reads into one attempt', async () => {
    const runId = 'diff';
    const counters = new RunCounters(clientA);
    const empty = await counters.read(runId);
    expect(empty.counts).toEqual(emptyBusinessCounts());
    expect(empty.latency).toEqual(new LatencyHistogram().toJSON());

    const first = new LatencyHistogram();
    [5, 200_000].forEach((us) => first.recordUs(us));
    await counters.add(runId, { recv_total: 2, dlq_total: 1 }, first);
    const before = await counters.read(runId);

    const second = new LatencyHistogram();
    [1000, 150_000, 7].forEach((us) => second.recordUs(us));
    await counters.add(runId, { recv_total: 3 }, second);
    const after = await counters.read(runId);

    const attempt = RunCounters.diff(after, before);
    expect(attempt.counts).toEqual({ ...emptyBusinessCounts(), recv_total: 3 });
    const expected = second.toJSON();
    expect(attempt.latency).toEqual({
      ...expected,
      // Extremes cannot be subtracted: they are the whole run's, bounds on the attempt's own.
      minUs: 5,
      maxUs: 200_000,
    });
    expect(RunCounters.diff(after, after).latency).toEqual(new LatencyHistogram().toJSON());
  });
});
