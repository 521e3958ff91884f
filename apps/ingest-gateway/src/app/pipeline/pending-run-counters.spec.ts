import { LatencyHistogram, type BusinessCounts } from '@sousvide/loadtest-contracts';
import { PendingRunCounters } from './pending-run-counters';

describe('PendingRunCounters', () => {
  function sink(failTimes: number) {
    const sent: { runId: string; counts: Partial<BusinessCounts>; latencyCount: number }[] = [];
    let failures = failTimes;
    const counters = {
      add: (runId: string, counts: Partial<BusinessCounts>, latency?: LatencyHistogram) => {
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('Connection is closed.'));
        }
        sent.push({ runId, counts, latencyCount: latency?.count ?? 0 });
        return Promise.resolve();
      },
    };
    const logs: string[] = [];
    return { p: new PendingRunCounters(counters, (_o, m) => logs.push(m)), sent, logs };
  }

  const h = (...ms: number[]): LatencyHistogram => {
    const hist = new LatencyHistogram();
    ms.forEach((m) => hist.recordMs(m));
    return hist;
  };

  it('keeps deltas Redis refused and sends them merged with the next ones', async () => {
    const { p, sent, logs } = sink(1);
    p.add('r1', { recv_total: 3 }, h(5, 6));
    await p.flush();
    expect(sent).toEqual([]);
    expect(p.pendingRuns).toBe(1);
    p.add('r1', { recv_total: 2, dlq_total: 1 }, h(7));
    await p.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ runId: 'r1', latencyCount: 3 });
    expect(sent[0].counts).toMatchObject({ recv_total: 5, dlq_total: 1 });
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
