import Redis from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { startRedis, waitFor, type RedisService } from '@sousvide/testing';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { IdempotencyStore, type MessageIdentity } from '../src';

describe('IdempotencyStore (real Redis)', () => {
  let redis: RedisService;
  let client: Redis;
  let prefix = '';
  const store = (
    opts: {
      claimTtlMs?: number;
      ttlSec?: number;
      owner?: { gatewayId: string; incarnation: string };
    } = {},
  ): IdempotencyStore => new IdempotencyStore(client, { prefix, ...opts });

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

  it("takes over a dead gateway's claim at once, and never a live one's", async () => {
    const gw = `gw-${prefix}`;
    const first = store({ owner: { gatewayId: gw, incarnation: 'boot-1' }, claimTtlMs: 60_000 });
    const other = store({ owner: { gatewayId: `${gw}-b`, incarnation: 'x' } });
    const claimKey = `${prefix}:claim:sv-1:1:1000`;
    await client.set(INGEST_KEYS.gatewayAlive(gw), 'boot-1');
    expect(await first.claim([m(1, 1000)])).toEqual(['new']);
    // The claim names its owner and lives claimTtlMs.
    expect(await client.get(claimKey)).toBe(`${gw}|boot-1`);
    expect(await client.pttl(claimKey)).toBeGreaterThan(50_000);
    // Its own claim, and the claim of a live owner, are in flight, and neither rewrites it.
    expect(await first.claim([m(1, 1000)])).toEqual(['in_flight']);
    expect(await other.claim([m(1, 1000)])).toEqual(['in_flight']);
    expect(await client.get(claimKey)).toBe(`${gw}|boot-1`);
    // The process died and came back under the same GATEWAY_ID: its old claims are stale.
    await client.set(INGEST_KEYS.gatewayAlive(gw), 'boot-2');
    const restarted = store({ owner: { gatewayId: gw, incarnation: 'boot-2' } });
    expect(await restarted.claim([m(1, 1000)])).toEqual(['new']);
    expect(await other.claim([m(1, 1000)])).toEqual(['in_flight']);
    // Its liveness key expired (never came back): another gateway takes the claim over.
    await client.del(INGEST_KEYS.gatewayAlive(gw));
    expect(await other.claim([m(1, 1000)])).toEqual(['new']);
    // The taken-over claim is the new owner's, with a TTL of its own (the store's default).
    expect(await client.get(claimKey)).toBe(`${gw}-b|x`);
    expect(await client.pttl(claimKey)).toBeGreaterThan(60_000);
  });

  it('commits and releases inside a caller transaction, all or nothing', async () => {
    const s = store();
    await s.claim([m(1, 1000), m(2, 2000)]);
    const tx = client.multi();
    s.settleIn(tx, [m(1, 1000)], [m(2, 2000)]);
    tx.set(`${prefix}:marker`, '1');
    await tx.exec();
    expect(await s.claim([m(1, 1000), m(2, 2000)])).toEqual(['duplicate', 'new']);
    // A transaction never executed (the process died before EXEC) changes nothing.
    const abandoned = client.multi();
    s.settleIn(abandoned, [m(2, 2000)], []);
    expect(await s.committed([m(2, 2000)])).toEqual([false]);
  });

  it('names the keys from the identity, whatever the device id holds', async () => {
    const s = store({ ttlSec: 3600 });
    const odd = [
      m(3, 262_144 * 5 + 7, 'sv:1,2'),
      m(undefined, 262_144 * 9, 'gerät-ü'),
      m(0, 1, 'a'),
    ];
    await s.claim(odd);
    expect((await client.keys(`${prefix}:claim:*`)).sort()).toEqual(
      [
        `${prefix}:claim:a:0:1`,
        `${prefix}:claim:gerät-ü:-:2359296`,
        `${prefix}:claim:sv:1,2:3:1310727`,
      ].sort(),
    );
    await s.commit(odd);
    expect((await client.keys(`${prefix}:*`)).sort()).toEqual(
      [`${prefix}:done:a:0`, `${prefix}:done:gerät-ü:9`, `${prefix}:done:sv:1,2:5`].sort(),
    );
    expect(await client.smembers(`${prefix}:done:sv:1,2:5`)).toEqual([String(3 * 262_144 + 7)]);
    expect(await client.smembers(`${prefix}:done:gerät-ü:9`)).toEqual(['-1']);
    expect(await s.claim(odd)).toEqual(['duplicate', 'duplicate', 'duplicate']);
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
