import type { DlqEntry } from '@sousvide/loadtest-contracts';
import { startRedis, waitFor, type RedisService } from '@sousvide/testing';
import { DlqProducer, isRedisUnreachable } from '../src';

const entry = (i: number): DlqEntry => ({
  kind: 'redis',
  key: `sv-${i}:1`,
  topic: `sousvide/sv-${i}/telemetry`,
  payloadBase64: '',
  error: { code: 'REDIS_WRITE', message: 'down' },
  failedAt: 0,
  gatewayId: 'gw-a',
});

// A suite of its own: it stops its Redis for good.
describe('DlqProducer with Redis stopped (real Redis)', () => {
  let redis: RedisService | undefined;
  let producer: DlqProducer | undefined;
  const errors: Error[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await producer?.close();
    await redis?.stop();
  });

  it('fails every entry at once, without waiting for a reconnect', async () => {
    const live = redis as RedisService;
    producer = new DlqProducer(
      { host: live.host, port: live.port },
      { addTimeoutMs: 10_000, onError: (e) => errors.push(e) },
    );
    expect(await producer.addMany([entry(0)])).toEqual({ added: 1, failed: [] });
    await live.stop();
    redis = undefined;

    const result = await producer.addMany([entry(1), entry(2)]);

    expect(result.added).toBe(0);
    expect(result.failed.map((f) => f.entry.key)).toEqual(['sv-1:1', 'sv-2:1']);
    // Failed for what it is, Redis gone: refused while ioredis reconnects (the offline queue is
    // off) or, when the add raced the close, a broken pipe or closed connection. Not parked until
    // the 10 s addTimeoutMs: that would fail with "DLQ add timed out" instead.
    const error = result.failed[0]?.error;
    expect({ error, unreachable: isRedisUnreachable(error) }).toEqual({ error, unreachable: true });
    // Reconnect failures reach the onError listener instead of being thrown at anyone, and each
    // says "Redis is gone" in one of its forms (refused, reset, broken pipe, closed...).
    await waitFor('a connection error at onError', () => errors.length > 0);
    expect(errors.filter((e) => !isRedisUnreachable(e)).map((e) => e.message)).toEqual([]);
  });

  it('gives up after addTimeoutMs when the queue never connected', async () => {
    // Port 1: nothing listens, so BullMQ's first connection never becomes ready.
    const never = new DlqProducer({ host: '127.0.0.1', port: 1 }, { addTimeoutMs: 1000 });
    try {
      const result = await never.addMany([entry(3)]);

      expect(result.failed[0]?.error).toBe('DLQ add timed out after 1000 ms');
    } finally {
      await never.close();
    }
  });
});
