import Redis from 'ioredis';
import { IdempotencyStore } from '@sousvide/idempotency';
import { HeartbeatStore } from '@sousvide/ingest-storage';
import {
  IdentitySettler,
  SETTLE_IDENTITIES_SCRIPT,
  ScriptBatch,
  duplicatesOf,
} from '@sousvide/ingest-pipeline';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import {
  APPLY_DELTA_SCRIPT,
  DeviceSequences,
  RUN_KEYS,
  RunCounters,
} from '@sousvide/run-accounting';
import { LatencyHistogram } from '@sousvide/shared-util';
import { startRedis, type RedisService } from '@sousvide/testing';

/**
 * The gateway's batch script (ADR 0025) against a real Redis: what the stores queue on it applies
 * as it would in a MULTI, in one command.
 */
describe('ScriptBatch (real Redis)', () => {
  let redis: RedisService;
  let client: Redis;
  let tx: () => ReturnType<ReturnType<typeof ScriptBatch.factory>>;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    tx = ScriptBatch.factory(client, [SETTLE_IDENTITIES_SCRIPT, APPLY_DELTA_SCRIPT]);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('applies identities, sequences, heartbeats and a delta in one command', async () => {
    const idem = new IdempotencyStore(client, { prefix: 'sb' });
    const settler = new IdentitySettler(client, idem);
    const counters = new RunCounters(client);
    const devices = new DeviceSequences(client);
    const heartbeat = new HeartbeatStore(client);
    // Older heartbeats of a device stay: ZADD GT never moves last-seen backwards.
    await client.zadd(INGEST_KEYS.heartbeat, 5000, 'dev-b');
    const a = { deviceId: 'dev-a', seq: 1, ts: 1000 };
    const b = { deviceId: 'dev-b', seq: 1, ts: 1000 };
    const d = { deviceId: 'dev-d', seq: 4, ts: 4000 };
    const e = { deviceId: 'dev-e', seq: 0, ts: 1000 };
    const noSeq = { deviceId: 'dev-n', ts: 1000 };
    // dev-d's message was stored and recorded by an earlier batch (or another gateway).
    expect(await idem.commit([d])).toEqual([true]);
    const latency = new LatencyHistogram();
    latency.recordMs(7, 2);
    // Loaded once (ioredis falls back to EVAL the first time), so the batch below is one EVALSHA.
    const warm = tx();
    counters.addIn(warm, 'run-sb-warm', { counts: { recv_total: 1 } });
    await warm.exec();
    const before = await calls();

    const batch = tx();
    const stored = [
      { msg: a, runId: 'run-sb' },
      { msg: a, runId: 'run-sb' },
      { msg: d, runId: 'run-sb' },
      { msg: e, runId: 'run-sb2' },
      { msg: noSeq, runId: 'run-sb' },
    ];
    expect(settler.settleIn(batch, { stored, unstored: [{ msg: b, runId: 'run-sb' }] })).toBe(true);
    const refused = heartbeat.touchIn(batch, [
      { deviceId: 'dev-a', ts: 1000 },
      { deviceId: 'dev-b', ts: 2000 },
      { deviceId: 'dev-c', ts: Number.NaN },
    ]);
    counters.addIn(batch, 'run-sb', {
      counts: { recv_total: 2, pipeline_success_total: 1 },
      latency,
      deltaId: 'sb-1',
    });
    const replies = await batch.exec();
    const after = await calls();

    expect(refused.failed).toEqual([
      { deviceId: 'dev-c', error: 'ERR value is not a valid float' },
    ]);
    expect(replies?.map(([err]) => err)).toEqual([null, null, null]);
    // The copy in the batch and the one recorded before are duplicates; the rest are new.
    expect(duplicatesOf(replies?.[0]?.[1], stored.length)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect({
      evalsha: after.evalsha - before.evalsha,
      multi: after.multi - before.multi,
      exec: after.exec - before.exec,
    }).toEqual({ evalsha: 1, multi: 0, exec: 0 });
    expect(await heartbeat.lastSeen(['dev-a', 'dev-b', 'dev-c'])).toEqual(
      new Map([
        ['dev-a', 1000],
        ['dev-b', 5000],
      ]),
    );
    // Stored ones are recorded; the unstored one is not, so its redelivery is stored.
    expect(await idem.committed([a, b, d, e, noSeq])).toEqual([true, false, true, true, true]);
    const snap = await counters.read('run-sb');
    expect(snap.counts).toMatchObject({ recv_total: 2, pipeline_success_total: 1 });
    expect(snap.latency.count).toBe(2);
    // The sequences took the record's answer as their duplicate flag; the unstored message was
    // received, and a message without a seq is not tracked.
    const seqs = await devices.read('run-sb');
    expect(Object.fromEntries(seqs)).toEqual({
      'dev-a': expect.objectContaining({ maxSeq: 1, distinct: 1, dups: 1 }),
      'dev-b': expect.objectContaining({ maxSeq: 1, distinct: 1, dups: 0 }),
      'dev-d': expect.objectContaining({ maxSeq: -1, distinct: 0, dups: 1 }),
    });
    expect((await devices.read('run-sb2')).get('dev-e')).toMatchObject({ maxSeq: 0, distinct: 1 });
    expect(await client.ttl(RUN_KEYS.runDevices('run-sb2'))).toBeGreaterThan(0);

    // The same delta id again applies once, like the delta script on its own.
    const again = tx();
    counters.addIn(again, 'run-sb', { counts: { recv_total: 2 }, deltaId: 'sb-1' });
    expect(await again.exec()).toEqual([[null, 0]]);
    expect((await counters.read('run-sb')).counts.recv_total).toBe(2);
  });

  /** Calls per command so far (INFO commandstats). */
  async function calls(): Promise<Record<'evalsha' | 'multi' | 'exec', number>> {
    const info = await client.info('commandstats');
    const of = (cmd: string) =>
      Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    return { evalsha: of('evalsha'), multi: of('multi'), exec: of('exec') };
  }

  it('reports a failing command in its reply and still applies the others, like a MULTI', async () => {
    const counters = new RunCounters(client);
    await client.set('sb:not-a-zset', 'x');
    const batch = tx() as unknown as {
      zadd: (...a: (string | number)[]) => unknown;
      exec: () => Promise<[Error | null, unknown][]>;
    };
    batch.zadd('sb:not-a-zset', 'GT', 1, 'm');
    counters.addIn(batch as never, 'run-sb-err', {
      counts: { recv_total: 3 },
      deltaId: 'sb-err-1',
    });
    const replies = await batch.exec();
    expect(replies[0][0]?.message).toMatch(/WRONGTYPE/);
    expect(replies[1]).toEqual([null, 1]);
    expect((await counters.read('run-sb-err')).counts.recv_total).toBe(3);
  });
});
