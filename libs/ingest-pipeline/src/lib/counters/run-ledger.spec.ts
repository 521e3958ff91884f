import type { ChainableCommander } from 'ioredis';
import type { MessageIdentity } from '@sousvide/idempotency';
import type { RunDelta } from '@sousvide/run-accounting';
import { LatencyHistogram } from '@sousvide/shared-util';
import { RunLedger } from './run-ledger';

type Op =
  | { kind: 'counters'; runId: string; delta: RunDelta }
  | { kind: 'claims'; stored: readonly MessageIdentity[]; failed: readonly MessageIdentity[] };

/** A ledger over a fake MULTI: `failTimes` EXECs reject; applied transactions are recorded. */
function ledger(failTimes: number) {
  const applied: Op[][] = [];
  let failures = failTimes;
  const transaction = (): ChainableCommander => {
    const ops: Op[] = [];
    const tx = {
      ops,
      exec: () => {
        if (failures > 0) {
          failures -= 1;
          return Promise.reject(new Error('Command timed out'));
        }
        applied.push(ops);
        return Promise.resolve(ops.map(() => [null, 1]));
      },
    };
    return tx as unknown as ChainableCommander;
  };
  const opsOf = (tx: ChainableCommander): Op[] => (tx as unknown as { ops: Op[] }).ops;
  const logs: string[] = [];
  const l = new RunLedger({
    transaction,
    idempotency: {
      settleIn: (tx, stored, failed) => opsOf(tx).push({ kind: 'claims', stored, failed }),
    },
    counters: {
      addIn: (tx, runId, delta) => opsOf(tx).push({ kind: 'counters', runId, delta }),
    },
    log: (_o, m) => logs.push(m),
    idPrefix: 'gw-test',
  });
  return { l, applied, logs };
}

const h = (...ms: number[]): LatencyHistogram => {
  const hist = new LatencyHistogram();
  ms.forEach((m) => hist.recordMs(m));
  return hist;
};

const counters = (ops: Op[]) =>
  ops.flatMap((o) => (o.kind === 'counters' ? [{ runId: o.runId, ...o.delta }] : []));

describe('RunLedger', () => {
  it('commits a batch and its counters in one transaction', async () => {
    const { l, applied } = ledger(0);
    const a = { deviceId: 'a', seq: 1, ts: 10 };
    const b = { deviceId: 'b', seq: 1, ts: 10 };
    l.add('r1', { counts: { recv_total: 2 }, latency: h(5), stages: { store: h(3, 3) } });
    await l.settle({ stored: [a], failed: [b] });
    expect(applied).toHaveLength(1);
    expect(applied[0]?.[0]).toEqual({ kind: 'claims', stored: [a], failed: [b] });
    const [c] = counters(applied[0] ?? []);
    expect(c).toMatchObject({ runId: 'r1', counts: { recv_total: 2 }, deltaId: 'gw-test-1' });
    expect(c?.stages?.store).toBeDefined();
    expect(l.pendingRuns).toBe(0);
  });

  it('resends a refused delta as is, under the same id, next to the newer one', async () => {
    const { l, applied, logs } = ledger(1);
    l.add('r1', { counts: { recv_total: 3 }, latency: h(5, 6) });
    await l.settle();
    expect(applied).toEqual([]);
    expect(l.pendingRuns).toBe(1);
    l.add('r1', { counts: { recv_total: 2, dlq_total: 1 }, latency: h(7) });
    await l.settle();
    // The timed-out delta may have run on the server: it keeps its id so it applies once.
    const sent = counters(applied[0] ?? []);
    expect(sent.map((x) => x.deltaId)).toEqual(['gw-test-1', 'gw-test-2']);
    expect(sent[0]).toMatchObject({ runId: 'r1', counts: { recv_total: 3 } });
    expect((sent[0]?.latency as LatencyHistogram).count).toBe(2);
    expect(sent[1]).toMatchObject({ counts: { recv_total: 2, dlq_total: 1 } });
    expect(l.pendingRuns).toBe(0);
    expect(logs).toEqual([
      'run counters not updated: kept for the next flush',
      'run counters caught up',
    ]);
  });

  it('keeps everything, without trying, while the Redis circuit is open', async () => {
    const circuit = { allow: () => false, succeeded: () => undefined, failed: () => undefined };
    const withCircuit = new RunLedger({
      transaction: () => {
        throw new Error('must not be called');
      },
      idempotency: { settleIn: () => undefined },
      counters: { addIn: () => undefined },
      log: () => undefined,
      redis: circuit,
    });
    withCircuit.add('r1', { counts: { recv_total: 1 } });
    await withCircuit.settle({ stored: [{ deviceId: 'a', ts: 1 }], failed: [] });
    expect(withCircuit.pendingRuns).toBe(1);
  });

  it('never sends one delta twice from concurrent settles', async () => {
    const { l, applied } = ledger(0);
    l.add('r1', { counts: { recv_total: 1 } });
    l.add('r2', { counts: { recv_total: 1 } });
    await Promise.all([l.settle(), l.settle(), l.flush()]);
    expect(applied.flatMap((ops) => counters(ops)).map((c) => c.runId).sort()).toEqual(['r1', 'r2']);
  });
});
