import type { DlqEntry } from '@sousvide/loadtest-contracts';
import { startRedis, type RedisService } from '@sousvide/testing';
import { DlqProducer } from '../src';

const entry = (i: number): DlqEntry => ({
  kind: 'redis',
  key: `sv-${i}:1`,
  topic: `sousvide/sv-${i}/telemetry`,
  payloadBase64: '',
  error: { code: 'REDIS_WRITE', message: 'down' },
  failedAt: 0,
  gatewayId: 'gw-a',
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

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

    const started = Date.now();
    const result = await producer.addMany([entry(1), entry(2)]);
    const elapsedMs = Date.now() - started;

    expect(result.added).toBe(0);
    expect(result.failed.map((f) => f.entry.key)).toEqual(['sv-1:1', 'sv-2:1']);
    // The offline queue is off, so the add is refused while ioredis reconnects, not parked.
    expect(result.failed[0]?.error).toMatch(/enableOfflineQueue options is false/);
    // Not a benchmark: well under the 10 s addTimeoutMs, so it was not our timeout that fired.
    expect(elapsedMs).toBeLessThan(2000);
    // Reconnect failures reach the onError listener instead of being thrown at anyone.
    await waitFor(() => errors.length > 0, 5000);
    expect(errors[0]?.message).toMatch(/ECONNREFUSED|Connection is closed/);
  });

  it('gives up after addTimeoutMs when the queue never connected', async () => {
    // Port 1: nothing listens, so BullMQ's first connection never becomes ready.
    const never = new DlqProducer({ host: '127.0.0.1', port: 1 }, { addTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const result = await never.addMany([entry(3)]);

      expect(result.failed[0]?.error).toBe('DLQ add timed out after 1000 ms');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await never.close();
    }
  });
});
