import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { emptyBusinessCounts } from '@sousvide/loadtest-contracts';
import type { DeviceSequences, IngestSnapshot, RunCounters } from '@sousvide/run-accounting';
import { BusinessSummaryCollector, droppedDuring } from './business-summary.collector';

const histogram = (count: number) => ({ buckets: {}, count, minUs: 0, maxUs: 0, sumUs: 0 });
/** `recv` counted, `timed` of them with their queue timing in (all, unless given). */
const snap = (recv: number, timed = recv): IngestSnapshot => ({
  counts: { ...emptyBusinessCounts(), recv_total: recv },
  latency: histogram(0),
  stages: timed > 0 ? { queue: histogram(timed) } : {},
});

/**
 * A collector over counters that read `recv(n)` (and `timed(n)` timings) at the n-th read, and
 * gateway reports `held`.
 */
function collector(
  recv: (read: number) => number,
  held: Record<string, string> = {},
  timed: (read: number) => number = recv,
) {
  let reads = 0;
  const counters = {
    read: () => {
      const n = reads++;
      return Promise.resolve(snap(recv(n), timed(n)));
    },
  } as unknown as RunCounters;
  const redis = { hgetall: () => Promise.resolve(held) } as unknown as Redis;
  return new BusinessSummaryCollector(counters, {} as Queue, redis, 0, {} as DeviceSequences);
}
const alive = () => ({ 'gw-1': `0 0 ${Date.now()}` });

describe('BusinessSummaryCollector.drain', () => {
  it('stops as complete once everything published arrived', async () => {
    const c = collector((n) => Math.min(100, n * 40), alive());
    const { delta, report } = await c.drain('r', snap(0), 100, { maxMs: 60_000, stallMs: 60_000 });
    expect(report).toMatchObject({ stopped: 'complete', detail: 'received 100 of 100 published' });
    expect(delta?.counts.recv_total).toBe(100);
  });

  it('once everything arrived, waits for the stage timings the gateways send after the counts', async () => {
    // Counts complete at the 3rd read; the queue timings catch up at the 6th.
    const c = collector(
      (n) => Math.min(100, n * 40),
      alive(),
      (n) => (n < 5 ? Math.min(100, n * 10) : 100),
    );
    const { delta, report } = await c.drain('r', snap(0), 100, { maxMs: 60_000, stallMs: 60_000 });
    expect(report).toMatchObject({ stopped: 'complete', detail: 'received 100 of 100 published' });
    expect(delta?.stages.queue?.count).toBe(100);
  });

  it('stops complete without the timings that never come, and says how many are missing', async () => {
    const c = collector(
      () => 100,
      alive(),
      () => 70,
    );
    const { delta, report } = await c.drain('r', snap(0), 100, {
      maxMs: 60_000,
      stallMs: 60_000,
      timingsMs: 500,
    });
    expect(report).toMatchObject({
      stopped: 'complete',
      detail: 'received 100 of 100 published; the stage timings of 30 not in after 0.5 s',
    });
    expect(report.waited_ms).toBeGreaterThanOrEqual(500);
    expect(delta?.stages.queue?.count).toBe(70);
  });

  it('keeps waiting while the backlog shrinks, and stops stalled once nothing new arrives', async () => {
    const c = collector((n) => Math.min(60, n * 10), alive());
    const { report } = await c.drain('r', snap(0), 100, { maxMs: 60_000, stallMs: 600 });
    expect(report).toMatchObject({
      stopped: 'stalled',
      detail: 'received 60 of 100 published, nothing new for 0.6 s',
    });
  });

  it('stops at the maximum while messages still arrive, and says so', async () => {
    const c = collector((n) => n + 1, alive());
    const { report } = await c.drain('r', snap(0), 1e9, { maxMs: 500, stallMs: 60_000 });
    expect(report.stopped).toBe('max_wait');
    expect(report.detail).toMatch(/still arriving after the 0.5 s maximum/);
  });

  it('stops at once when nothing arrived and no gateway reports alive, with no summary', async () => {
    const c = collector(() => 0, { 'gw-old': `5 0 ${Date.now() - 60_000}` });
    const res = await c.drain('r', snap(0), 100, { maxMs: 60_000, stallMs: 60_000 });
    expect(res.delta).toBeUndefined();
    expect(res.report).toMatchObject({
      stopped: 'stalled',
      detail: 'received 0 of 100 published, and no gateway reports alive',
    });
  });

  it('stops on interruption with what had arrived', async () => {
    const ac = new AbortController();
    ac.abort();
    const c = collector(() => 7, alive());
    const { report } = await c.drain('r', snap(0), 100, {
      maxMs: 60_000,
      stallMs: 60_000,
      signal: ac.signal,
    });
    expect(report).toMatchObject({ stopped: 'interrupted' });
  });
});

describe('BusinessSummaryCollector.brokerBaseline', () => {
  it('does not ask the broker when no gateway is alive: no business summary can come of it', async () => {
    const c = collector(() => 0, { 'gw-old': `0 0 ${Date.now() - 60_000}` });
    await expect(c.brokerBaseline('mqtt://127.0.0.1:1')).resolves.toBe(
      'no gateway reported alive before the attempt',
    );
  });
});

describe('droppedDuring', () => {
  const store = (dropped: number | null) => ({ stored: 0, retained: 0, dropped });

  it('counts the drops between two published figures', () => {
    expect(droppedDuring(store(40), store(100))).toEqual({ count: 60 });
  });

  it('says nothing when the broker published no drop figure at the cut-off', () => {
    expect(droppedDuring(store(null), store(null))).toEqual({ count: null });
    expect(droppedDuring(store(5), store(null))).toEqual({ count: null });
  });

  it('gives the count since the broker started as an upper bound when there was no figure before', () => {
    const d = droppedDuring(store(null), store(60_558));
    expect(d.count).toBeNull();
    expect(d.note).toContain('broker dropped at most 60558 during the attempt');
    expect(d.note).toContain('max_queued_messages');
  });
});
