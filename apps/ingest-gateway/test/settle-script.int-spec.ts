import Redis from 'ioredis';
import { IDEMPOTENCY_COMMIT_SCRIPT, IdempotencyStore } from '@sousvide/idempotency';
import { HeartbeatStore } from '@sousvide/ingest-storage';
import { ScriptBatch } from '@sousvide/ingest-pipeline';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import {
  APPLY_DELTA_SCRIPT,
  DEVICE_SEQUENCE_SCRIPT,
  DeviceSequences,
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
    tx = ScriptBatch.factory(client, [
      IDEMPOTENCY_COMMIT_SCRIPT,
      DEVICE_SEQUENCE_SCRIPT,
      APPLY_DELTA_SCRIPT,
    ]);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('applies heartbeats, claim commits and releases, sequences and a delta in one command', async () => {
    const idem = new IdempotencyStore(client, { prefix: 'sb' });
    const counters = new RunCounters(client);
    const devices = new DeviceSequences(client);
    const heartbeat = new HeartbeatStore(client);
    // Older heartbeats of a device stay: ZADD GT never moves last-seen backwards.
    await client.zadd(INGEST_KEYS.heartbeat, 5000, 'dev-b');
    const stored = [{ deviceId: 'dev-a', seq: 1, ts: 1000 }];
    const failed = [{ deviceId: 'dev-b', seq: 1, ts: 1000 }];
    expect(await idem.claim([...stored, ...failed])).toEqual(['new', 'new']);
    const latency = new LatencyHistogram();
    latency.recordMs(7, 2);
    // Loaded once (ioredis falls back to EVAL the first time), so the batch below is one EVALSHA.
    const warm = tx() as unknown as { del: (k: string) => unknown; exec: () => Promise<unknown> };
    warm.del('sb:nothing');
    await warm.exec();
    const before = await calls();

    const batch = tx();
    const refused = heartbeat.touchIn(batch, [
      { deviceId: 'dev-a', ts: 1000 },
      { deviceId: 'dev-b', ts: 2000 },
      { deviceId: 'dev-c', ts: Number.NaN },
    ]);
    idem.settleIn(batch, stored, failed);
    devices.recordIn(batch, 'run-sb', [
      { deviceId: 'dev-a', seq: 1, ts: 1000, duplicate: false },
      { deviceId: 'dev-b', seq: 1, ts: 1000, duplicate: false },
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
    expect(replies?.map(([err]) => err)).toEqual([null, null, null, null, null]);
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
    // Committed: a copy is a duplicate. Released: a copy is new again.
    expect(await idem.claim([...stored, ...failed])).toEqual(['duplicate', 'new']);
    const snap = await counters.read('run-sb');
    expect(snap.counts).toMatchObject({ recv_total: 2, pipeline_success_total: 1 });
    expect(snap.latency.count).toBe(2);
    expect((await devices.read('run-sb')).get('dev-a')).toMatchObject({ maxSeq: 1, distinct: 1 });

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
