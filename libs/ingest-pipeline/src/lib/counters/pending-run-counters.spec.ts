import { type BusinessCounts } from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import { PendingRunCounters } from './pending-run-counters';

describe('PendingRunCounters', () => {
  function sink(failTimes: number) {
    const sent: {
      runId: string;
      counts: Partial<BusinessCounts>;
      latencyCount: number;
      id?: string;
    }[] = [];
    const ids: (string | undefined)[] = [];
    let failures = failTimes;
    const counters = {
      add: (
        runId: string,
        counts: Partial<BusinessCounts>,
        latency?: LatencyHistogram,
        id?: string,
      ) => {
        ids.push(id);
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('Command timed out'));
        }
        sent.push({ runId, counts, latencyCount: latency?.count ?? 0, id });
        return Promise.resolve(true);
      },
    };
    const logs: string[] = [];
    return { p: new PendingRunCounters(counters, (_o, m) => logs.push(m)), sent, logs, ids };
  }

  const h = (...ms: number[]): LatencyHistogram => {
    const hist = new LatencyHistogram();
    ms.forEach((m) => hist.recordMs(m));
    return hist;
  };

  it('resends a refused delta as is, under the same id, next to the newer one', async () => {
    const { p, sent, logs, ids } = sink(1);
    p.add('r1', { recv_total: 3 }, h(5, 6));
    await p.flush();
    expect(sent).toEqual([]);
    expect(p.pendingRuns).toBe(1);
    p.add('r1', { recv_total: 2, dlq_total: 1 }, h(7));
    await p.flush();
    // The timed-out delta may have run on the server: it keeps its id so it applies once.
    expect(sent.map((x) => x.id)).toEqual([ids[0], expect.any(String)]);
    expect(sent[1]?.id).not.toBe(ids[0]);
    expect(sent[0]).toMatchObject({ runId: 'r1', latencyCount: 2, counts: { recv_total: 3 } });
    expect(sent[1]).toMatchObject({ latencyCount: 1, counts: { recv_total: 2, dlq_total: 1 } });
    expect(p.pendingRuns).toBe(0);
    expect(logs).toEqual([
      'run counters not updated: kept for the next flush',
      'run counters caught up',
    ]);
  });

  it('never sends one delta twice from concurrent flushes', async () => {
    const { p, sent } = sink(0);
    p.add('r1', { recv_total: 1 });
    p.add('r2', { recv_total: 1 });
    await Promise.all([p.flush(), p.flush(), p.flush()]);
    expect(sent.map((s) => s.runId).sort()).toEqual(['r1', 'r2']);
  });
});
