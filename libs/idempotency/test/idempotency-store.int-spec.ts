import Redis from 'ioredis';
import { startRedis, waitFor, type RedisService } from '@sousvide/testing';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { IdempotencyStore, type MessageIdentity } from '../src';

describe('IdempotencyStore (real Redis)', () => {
  let redis: RedisService;
  let client: Redis;
  let prefix = '';
  const store = (opts: { ttlSec?: number } = {}): IdempotencyStore =>
    new IdempotencyStore(client, { prefix, ...opts });

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { commandTimeout: 1000, maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  let n = 0;
  beforeEach(() => {
    n += 1;
    prefix = `t${n}`;
  });

  const m = (seq: number | undefined, ts: number, deviceId = 'sv-1'): MessageIdentity => ({
    deviceId,
    ts,
    ...(seq === undefined ? {} : { seq }),
  });

  it('records each message once: a copy recorded later, in the same call or after, is a duplicate', async () => {
    const s = store();
    const batch = [m(1, 1000), m(2, 2000), m(undefined, 3000)];
    expect(await s.committed(batch)).toEqual([false, false, false]);
    expect(await s.commit([...batch, m(1, 1000)])).toEqual([true, true, true, false]);
    expect(await s.commit(batch)).toEqual([false, false, false]);
    expect(await s.committed([...batch, m(4, 4000)])).toEqual([true, true, true, false]);
  });

  it('does not take a seq reused with another ts (a new device session) as a duplicate', async () => {
    const s = store();
    await s.commit([m(0, 1000)]);
    expect(await s.commit([m(0, 500_000), m(0, 1000, 'sv-2')])).toEqual([true, true]);
  });

  it('names the keys from the identity, whatever the device id holds', async () => {
    const s = store({ ttlSec: 3600 });
    const odd = [
      m(3, 262_144 * 5 + 7, 'sv:1,2'),
      m(undefined, 262_144 * 9, 'gerät-ü'),
      m(0, 1, 'a'),
    ];
    expect(await s.commit(odd)).toEqual([true, true, true]);
    expect((await client.keys(`${prefix}:*`)).sort()).toEqual(
      [`${prefix}:done:a:0`, `${prefix}:done:gerät-ü:9`, `${prefix}:done:sv:1,2:5`].sort(),
    );
    expect(await client.smembers(`${prefix}:done:sv:1,2:5`)).toEqual([String(3 * 262_144 + 7)]);
    expect(await client.smembers(`${prefix}:done:gerät-ü:9`)).toEqual(['-1']);
    expect(await s.commit(odd)).toEqual([false, false, false]);
    expect(await s.committed(odd)).toEqual([true, true, true]);
  });

  it('keeps huge seqs exact and forgets committed messages after the TTL', async () => {
    const s = store({ ttlSec: 1 });
    const big = m(2 ** 52 + 1, 1000);
    const neighbour = m(2 ** 52, 1000);
    await s.commit([big]);
    expect(await s.committed([big, neighbour])).toEqual([true, false]);
    // Forgotten once Redis expires the record (1 s TTL): the state, not a guessed sleep.
    await waitFor('the committed record to expire', async () =>
      (await s.committed([big])).every((done) => !done),
    );
  });

  it('stores a device at 1 msg/s in intsets (4-8 bytes per message)', async () => {
    const s = store({ ttlSec: 3600 });
    const msgs = Array.from({ length: 2000 }, (_, i) => m(i, 1_700_000_000_000 + i * 1000));
    await s.commit(msgs);
    const keys = await client.keys(`${prefix}:done:*`);
    const encodings = await Promise.all(keys.map((k) => client.object('ENCODING', k)));
    expect(new Set(encodings)).toEqual(new Set(['intset']));
    const bytes = (await Promise.all(keys.map((k) => client.memory('USAGE', k)))) as number[];
    const perMessage = bytes.reduce((a, b) => a + b, 0) / msgs.length;
    // Printed for docs/benchmarks.md; bounded loosely so a Redis upgrade does not fail CI.
    console.log(`idempotency store: ${perMessage.toFixed(1)} bytes per committed message`);
    expect(perMessage).toBeLessThan(16);
  });

  it('rejects when Redis is unreachable rather than hanging', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    const s = new IdempotencyStore(dead, { prefix });
    await expect(s.commit([m(1, 1)])).rejects.toThrow();
    dead.disconnect();
  });
});
