import Redis from 'ioredis';
import { startRedis, waitFor, type RedisService } from '@sousvide/testing';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { IdempotencyStore, type MessageIdentity } from '../src';

describe('IdempotencyStore (real Redis)', () => {
  let redis: RedisService;
  let client: Redis;
  let prefix = '';
  const store = (opts: { claimTtlMs?: number; ttlSec?: number } = {}): IdempotencyStore =>
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

  it('claims new messages once; a committed message is a duplicate from then on', async () => {
    const s = store();
    const batch = [m(1, 1000), m(2, 2000), m(undefined, 3000)];
    expect(await s.claim(batch)).toEqual(['new', 'new', 'new']);
    expect(await s.claim(batch)).toEqual(['in_flight', 'in_flight', 'in_flight']);
    await s.commit(batch);
    expect(await s.claim(batch)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await s.committed([...batch, m(4, 4000)])).toEqual([true, true, true, false]);
  });

  it('takes the second copy of a message in one batch as in flight', async () => {
    expect(await store().claim([m(7, 7000), m(7, 7000), m(8, 8000)])).toEqual([
      'new',
      'in_flight',
      'new',
    ]);
  });

  it('does not take a seq reused with another ts (a new device session) as a duplicate', async () => {
    const s = store();
    await s.claim([m(0, 1000)]);
    await s.commit([m(0, 1000)]);
    expect(await s.claim([m(0, 500_000), m(0, 1000, 'sv-2')])).toEqual(['new', 'new']);
  });

  it('lets a released message be claimed again, and a crashed claim expire', async () => {
    const s = store({ claimTtlMs: 300 });
    await s.claim([m(1, 1000), m(2, 2000)]);
    await s.release([m(1, 1000)]);
    expect(await s.claim([m(1, 1000), m(2, 2000)])).toEqual(['new', 'in_flight']);
    // The holder of seq 2 never committed (a crash): once Redis expired its claim...
    await waitFor('the crashed claim to expire', async () =>
      (await client.keys(`${prefix}:claim:*`)).every((k) => !k.endsWith(':2:2000')),
    );
    // ...it is claimed again, so the message is retried.
    expect(await s.claim([m(2, 2000)])).toEqual(['new']);
  });

  it('keeps huge seqs exact and forgets committed messages after the TTL', async () => {
    const s = store({ ttlSec: 1 });
    const big = m(2 ** 52 + 1, 1000);
    const neighbour = m(2 ** 52, 1000);
    await s.claim([big]);
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
    await s.claim(msgs);
    await s.commit(msgs);
    const keys = await client.keys(`${prefix}:done:*`);
    const encodings = await Promise.all(keys.map((k) => client.object('ENCODING', k)));
    expect(new Set(encodings)).toEqual(new Set(['intset']));
    const bytes = (await Promise.all(keys.map((k) => client.memory('USAGE', k)))) as number[];
    const perMessage = bytes.reduce((a, b) => a + b, 0) / msgs.length;
    // Printed for docs/benchmarks.md; bounded loosely so a Redis upgrade does not fail CI.
    console.log(`idempotency store: ${perMessage.toFixed(1)} bytes per committed message`);
    expect(perMessage).toBeLessThan(16);
    expect(await client.keys(`${prefix}:claim:*`)).toEqual([]);
  });

  it('rejects when Redis is unreachable rather than hanging', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    const s = new IdempotencyStore(dead, { prefix });
    await expect(s.claim([m(1, 1)])).rejects.toThrow();
    dead.disconnect();
  });
});
