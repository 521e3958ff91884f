import type { ChainableCommander } from 'ioredis';
import type { RunDelta } from '@sousvide/run-accounting';
import { LatencyHistogram } from '@sousvide/shared-util';
import { RunLedger } from './run-ledger';
import type { IdentitySettlement } from './settle-identities';

type Op =
  | { kind: 'counters'; runId: string; delta: RunDelta }
  | { kind: 'heartbeats'; deviceIds: string[] }
  | { kind: 'identities'; settlement: IdentitySettlement };

/** The settle section's reply as the script gives it: a stored device named `dup*` was recorded before. */
const replyOf = (s: IdentitySettlement): string =>
  [...s.stored, ...s.unstored]
    .map((m, i) => (i < s.stored.length && m.msg.deviceId.startsWith('dup') ? '1' : '0'))
    .join('');

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
        return Promise.resolve(
          ops.map((o) => [null, o.kind === 'identities' ? replyOf(o.settlement) : 1]),
        );
      },
    };
    return tx as unknown as ChainableCommander;
  };
  const opsOf = (tx: ChainableCommander): Op[] => (tx as unknown as { ops: Op[] }).ops;
  const logs: string[] = [];
  const l = new RunLedger({
    transaction,
    identities: {
      settleIn: (tx, settlement) => opsOf(tx).push({ kind: 'identities', settlement }) > 0,
    },
    counters: {
      addIn: (tx, runId, delta) => opsOf(tx).push({ kind: 'counters', runId, delta }),
    },
    heartbeat: {
      touchIn: (tx, entries) => {
        opsOf(tx).push({ kind: 'heartbeats', deviceIds: entries.map((e) => e.deviceId) });
        return { ok: entries.map((e) => e.deviceId), failed: [] };
      },
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
  it('records a batch and its counters in one transaction; its stage timings wait for the flush', async () => {
    const { l, applied } = ledger(0);
    const a = { msg: { deviceId: 'a', seq: 1, ts: 10 }, runId: 'r1' };
    const copy = { msg: { deviceId: 'dup-1', seq: 1, ts: 10 }, runId: 'r1' };
    const b = { msg: { deviceId: 'b', seq: 1, ts: 10 }, runId: 'r1' };
    l.add('r1', { counts: { recv_total: 2 }, latency: h(5), stages: { store: h(3, 3) } });
    const res = await l.settle({ stored: [a, copy], unstored: [b] });
    expect(applied).toHaveLength(1);
    expect(applied[0]?.[0]).toEqual({
      kind: 'identities',
      settlement: { stored: [a, copy], unstored: [b] },
    });
    // The section's reply, read back per stored message.
    expect(res.duplicates).toEqual([false, true]);
    const [c] = counters(applied[0] ?? []);
    expect(c).toMatchObject({ runId: 'r1', counts: { recv_total: 2 }, deltaId: 'gw-test-1' });
    expect((c?.latency as LatencyHistogram).count).toBe(1);
    expect(c?.stages).toEqual({});
    expect(l.pendingRuns).toBe(1);
    await l.flush();
    const [t] = counters(applied[1] ?? []);
    expect((t?.stages?.store as LatencyHistogram).count).toBe(2);
    expect(t?.counts.recv_total).toBe(0);
    expect(l.pendingRuns).toBe(0);
  });

  it("sends the stage timings of many batches' settles as one delta per run at the flush", async () => {
    const { l, applied } = ledger(0);
    for (const ms of [1, 2, 3]) {
      await l.settle(undefined, {
        heartbeats: [],
        runs: new Map([
          ['r1', { counts: { recv_total: 1 }, stages: { broker: h(ms), queue: h(ms) } }],
        ]),
      });
    }
    l.add('r1', { stages: { ack: h(4) } });
    expect(applied.flatMap(counters).map((c) => Object.keys(c.stages ?? {}).length)).toEqual([
      0, 0, 0,
    ]);
    await l.flush();
    const timed = counters(applied[3] ?? []);
    expect(timed.map((c) => c.runId)).toEqual(['r1']);
    const stages = timed[0]?.stages ?? {};
    expect(Object.keys(stages).sort()).toEqual(['ack', 'broker', 'queue']);
    expect((stages.broker as LatencyHistogram).count).toBe(3);
  });

  it('sends stage timings again after a flush that failed', async () => {
    const { l, applied } = ledger(1);
    l.add('r1', { stages: { settle: h(2, 2) } });
    await l.flush();
    expect(applied).toEqual([]);
    expect(l.pendingRuns).toBe(1);
    await l.flush();
    const [c] = counters(applied[0] ?? []);
    expect((c?.stages?.settle as LatencyHistogram).count).toBe(2);
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
      identities: { settleIn: () => true },
      counters: { addIn: () => undefined },
      log: () => undefined,
      redis: circuit,
    });
    withCircuit.add('r1', { counts: { recv_total: 1 } });
    const res = await withCircuit.settle(
      { stored: [{ msg: { deviceId: 'a', ts: 1 }, runId: 'r2' }], unstored: [] },
      {
        heartbeats: [{ deviceId: 'a', ts: 1 }],
        runs: new Map([['r2', { counts: { recv_total: 1 }, stages: { queue: h(1) } }]]),
      },
    );
    // Nothing sent: the batch's own delta is not kept, its stage timings neither (its caller
    // retains them, corrected).
    expect(withCircuit.pendingRuns).toBe(1);
    expect(res.notSent).toMatch(/^REDIS_UNAVAILABLE/);
    expect(res.duplicates).toBeUndefined();
    expect([...res.ids.keys()]).toEqual(['r2']);
  });

  it("sends a batch's heartbeats and deltas with it, and sends them again after a failure that may not have applied", async () => {
    const { l, applied } = ledger(1);
    l.add('r0', { counts: { recv_total: 1 } });
    const failed = await l.settle(
      { stored: [{ msg: { deviceId: 'dup', ts: 1 }, runId: 'r1' }], unstored: [] },
      {
        heartbeats: [
          { deviceId: 'a', ts: 1 },
          { deviceId: 'b', ts: 5 },
        ],
        runs: new Map([['r1', { counts: { recv_total: 2, redis_ok_total: 2 } }]]),
      },
    );
    // A timeout: the script may still run on the server, so the batch counts as sent; whether its
    // messages were duplicates is unknown (nothing is corrected).
    expect(failed.notSent).toBeUndefined();
    expect(failed.duplicates).toBeUndefined();
    expect([...failed.ids]).toEqual([['r1', 'gw-test-1']]);
    expect({ runs: l.pendingRuns, heartbeats: l.pendingHeartbeats }).toEqual({
      runs: 2,
      heartbeats: 2,
    });
    await l.settle(undefined, {
      heartbeats: [{ deviceId: 'b', ts: 3 }],
      runs: new Map([['r2', { counts: { recv_total: 1 } }]]),
    });
    const ops = applied[0] ?? [];
    expect(ops[0]).toEqual({ kind: 'heartbeats', deviceIds: ['a', 'b', 'b'] });
    expect(counters(ops).map((c) => [c.runId, c.deltaId])).toEqual([
      ['r0', 'gw-test-2'],
      ['r1', 'gw-test-1'],
      ['r2', 'gw-test-3'],
    ]);
    expect({ runs: l.pendingRuns, heartbeats: l.pendingHeartbeats }).toEqual({
      runs: 0,
      heartbeats: 0,
    });
  });

  it('keeps a retained delta under the id it is given, its stage timings for the flush', async () => {
    const { l, applied } = ledger(0);
    l.retain('r1', { counts: { redis_fail_total: 2 }, stages: { queue: h(1) } }, 'gw-test-9');
    await l.settle();
    expect(counters(applied[0] ?? []).map((c) => [c.runId, c.deltaId, c.stages])).toEqual([
      ['r1', 'gw-test-9', {}],
    ]);
    await l.flush();
    const [t] = counters(applied[1] ?? []);
    expect((t?.stages?.queue as LatencyHistogram).count).toBe(1);
  });

  it('never sends one delta twice from concurrent settles', async () => {
    const { l, applied } = ledger(0);
    l.add('r1', { counts: { recv_total: 1 } });
    l.add('r2', { counts: { recv_total: 1 } });
    await Promise.all([l.settle(), l.settle(), l.flush()]);
    expect(
      applied
        .flatMap((ops) => counters(ops))
        .map((c) => c.runId)
        .sort(),
    ).toEqual(['r1', 'r2']);
  });
});
