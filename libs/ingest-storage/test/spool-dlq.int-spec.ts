import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { dlqJobId, QUEUE_NAMES, type DlqEntry } from '@sousvide/loadtest-contracts';
import { pollUntil, startRedis, type RedisService } from '@sousvide/testing';
import { DlqProducer, DurableSpool, type SpoolDrainTarget } from '../src';

/** Failed messages of devices 0..n-1; the key (so the DLQ id) depends only on the device. */
function entries(n: number): DlqEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'redis',
    key: `sv-${i}:${100 + i}`,
    topic: `sousvide/sv-${i}/telemetry`,
    payloadBase64: Buffer.from(`{"seq":${100 + i}}`).toString('base64'),
    error: { code: 'REDIS_WRITE', message: 'Connection is closed.' },
    runId: 'run-1',
    deviceId: `sv-${i}`,
    failedAt: 1_795_788_703_500,
    gatewayId: 'gw-a',
  }));
}

// A suite of its own: it pauses its Redis.
describe('DurableSpool drained into the DLQ (real Redis)', () => {
  let redis: RedisService;
  let producer: DlqProducer;
  let root: string;
  let spool: DurableSpool | undefined;
  const errors: Error[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    // Short bounds: while Redis is frozen every add should fail fast, so the test spools.
    producer = new DlqProducer(
      { host: redis.host, port: redis.port, commandTimeout: 500 },
      { addTimeoutMs: 1500, onError: (e) => errors.push(e) },
    );
    root = await mkdtemp(join(tmpdir(), 'spool-int-'));
  });

  afterAll(async () => {
    await spool?.close();
    await producer?.close();
    await redis?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /**
   * Drains until the spool is empty, as the gateway's periodic drain does, and returns how many
   * entries went. Right after a pause Redis first works off the commands that timed out while it
   * was frozen, and a busy machine can push a chunk past the 500 ms command timeout: that chunk
   * stays spooled and goes with the next drain.
   */
  async function drainAll(from: DurableSpool, to: SpoolDrainTarget): Promise<number> {
    let drained = 0;
    const remaining = await pollUntil(
      async () => {
        const pass = await from.drainTo(to);
        drained += pass.drained;
        return pass.remaining;
      },
      (left) => left === 0,
    );
    expect(remaining).toBe(0);
    return drained;
  }

  it('spools what the DLQ refuses during an outage and drains it once, without duplicates', async () => {
    const batch = entries(1000);
    const toDlq: SpoolDrainTarget = (e) => producer.addMany(e);
    spool = await DurableSpool.open({ dir: join(root, 'gw-a') });
    expect(await producer.counts()).toMatchObject({ waiting: 0 });

    await redis.pause();
    const refused = await producer.addMany(batch);
    expect(refused.added).toBe(0);
    expect(refused.failed.map((f) => f.entry)).toEqual(batch);
    await spool.append(refused.failed.map((f) => f.entry));
    expect(spool.stats()).toMatchObject({ entries: 1000 });
    // Redis still down: the drain stops at its first chunk and keeps everything.
    expect(await spool.drainTo(toDlq)).toEqual({ drained: 0, remaining: 1000 });

    await redis.unpause();
    expect(await drainAll(spool, toDlq)).toBe(1000);

    expect(spool.stats()).toEqual({ bytes: 0, entries: 0, segments: 0 });
    expect(await producer.counts()).toMatchObject({ waiting: 1000, failed: 0 });
    const inspect = new Queue(QUEUE_NAMES.dlq, {
      connection: { host: redis.host, port: redis.port },
    });
    try {
      const ids = (await inspect.getWaiting(0, -1)).map((job) => job.id).sort();
      expect(ids).toEqual(batch.map((e) => dlqJobId(e.kind, e.key)).sort());
    } finally {
      await inspect.close();
    }

    // A second drain, and a re-delivery of everything (as after a crash mid-drain), add nothing.
    expect(await spool.drainTo(toDlq)).toEqual({ drained: 0, remaining: 0 });
    await spool.append(batch);
    expect(await drainAll(spool, toDlq)).toBe(1000);
    expect(await producer.counts()).toMatchObject({ waiting: 1000, failed: 0 });
  });
});
