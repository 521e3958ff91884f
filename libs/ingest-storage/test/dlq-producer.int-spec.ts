import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DLQ_JOB_NAMES, dlqJobId, QUEUE_NAMES, type DlqEntry } from '@sousvide/loadtest-contracts';
import { pollUntil, startRedis, type RedisService } from '@sousvide/testing';
import { DlqProducer } from '../src';

/** DLQ entries for devices `from..from+n-1`; the key depends only on the device number. */
function entries(n: number, from = 0): DlqEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const device = `sv-${from + i}`;
    return {
      kind: 'influx',
      key: `${device}:${7 + from + i}`,
      topic: `sousvide/${device}/telemetry`,
      payloadBase64: Buffer.from(`{"seq":${7 + from + i}}`).toString('base64'),
      error: { code: 'INFLUX_WRITE', message: 'timeout' },
      runId: 'run-1',
      deviceId: device,
      failedAt: 1_795_788_703_500,
      gatewayId: 'gw-a',
    };
  });
}

describe('DlqProducer (real Redis)', () => {
  let redis: RedisService;
  let producer: DlqProducer;
  let inspect: Queue;
  const errors: Error[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    const connection = { host: redis.host, port: redis.port, commandTimeout: 500 };
    producer = new DlqProducer(connection, { addTimeoutMs: 3000, onError: (e) => errors.push(e) });
    inspect = new Queue(QUEUE_NAMES.dlq, { connection: { host: redis.host, port: redis.port } });
  });

  afterAll(async () => {
    await producer?.close();
    await inspect?.close();
    await redis?.stop();
  });

  beforeEach(async () => {
    await inspect.obliterate({ force: true });
  });

  it('adds one waiting job per entry, id from the idempotency key', async () => {
    const batch = entries(100);

    expect(await producer.addMany(batch)).toEqual({ added: 100, failed: [] });

    expect(await producer.counts()).toMatchObject({ waiting: 100, failed: 0 });
    const job = await inspect.getJob(dlqJobId('influx', 'sv-3:10'));
    expect(job?.name).toBe(DLQ_JOB_NAMES.failedMessage);
    expect(job?.data).toEqual(batch[3]);
    expect(job?.opts).toMatchObject({ removeOnComplete: true, removeOnFail: false, attempts: 1 });
  });

  it('never duplicates an entry added again', async () => {
    await producer.addMany(entries(100));

    // BullMQ keeps the existing job for a known id and reports success for it.
    expect(await producer.addMany(entries(100))).toEqual({ added: 100, failed: [] });
    expect(await producer.addMany(entries(100, 50))).toEqual({ added: 100, failed: [] });

    expect(await producer.counts()).toMatchObject({ waiting: 150 });
  });

  it('fails every entry promptly while Redis is paused, and re-adds them after', async () => {
    const batch = entries(100);
    await redis.pause();
    let during;
    try {
      during = await producer.addMany(batch);
    } finally {
      await redis.unpause();
    }

    expect(during.added).toBe(0);
    expect(during.failed.map((f) => f.entry)).toEqual(batch);
    // The per-command timeout fired, not the 5 s add timeout, and not a hang for the whole pause.
    expect(during.failed[0]?.error).toBe('Command timed out');

    // The spool's re-add after recovery is safe even if the timed-out add landed late. Right after
    // the pause Redis first works off the commands that timed out, and a busy machine can push a
    // re-add past the 500 ms command timeout: re-added until one goes through, as the spool does.
    expect(
      await pollUntil(
        () => producer.addMany(batch),
        (r) => r.failed.length === 0,
      ),
    ).toEqual({ added: 100, failed: [] });
    expect(await producer.counts()).toMatchObject({ waiting: 100 });
  });

  it('works on a caller-owned client without closing it, and refuses one with an offline queue', async () => {
    const own = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const queued = new Redis(redis.url, { lazyConnect: true });
    try {
      expect(() => new DlqProducer(queued)).toThrow(/enableOfflineQueue: false/);
      const shared = new DlqProducer(own);
      expect(await shared.addMany(entries(3))).toEqual({ added: 3, failed: [] });
      await shared.close();
      expect(await own.ping()).toBe('PONG');
    } finally {
      own.disconnect();
      queued.disconnect();
    }
  });
});
