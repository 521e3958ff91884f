import Redis from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { pollUntil, startRedis, type RedisService } from '@sousvide/testing';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { HeartbeatStore, isRedisUnreachable } from '../src';

describe('HeartbeatStore (real Redis)', () => {
  let redis: RedisService;
  let client: Redis;
  let store: HeartbeatStore;

  beforeAll(async () => {
    redis = await startRedis();
    // Fail-fast client: a stalled Redis must fail a batch within seconds, not hang it.
    client = new Redis(redis.url, { commandTimeout: 500, maxRetriesPerRequest: 1 });
    store = new HeartbeatStore(client);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  beforeEach(async () => {
    await client.del(INGEST_KEYS.heartbeat);
  });

  it('never moves last-seen backwards when messages arrive out of order', async () => {
    await store.touch([{ deviceId: 'sv-1', ts: 2000 }]);
    const late = await store.touch([
      { deviceId: 'sv-1', ts: 1000 },
      { deviceId: 'sv-2', ts: 500 },
    ]);
    await store.touch([{ deviceId: 'sv-2', ts: 400 }]);

    // An older ts is not an error: the entry is stored as well as it can be.
    expect(late).toEqual({ ok: ['sv-1', 'sv-2'], failed: [] });
    const seen = await store.lastSeen(['sv-1', 'sv-2', 'sv-unknown']);
    expect(seen).toEqual(
      new Map([
        ['sv-1', 2000],
        ['sv-2', 500],
      ]),
    );
  });

  it('stores a batch of 2000 devices in one call', async () => {
    const entries = Array.from({ length: 2000 }, (_, i) => ({
      deviceId: `sv-${String(i).padStart(6, '0')}`,
      ts: 1_795_788_703_500 + i,
    }));

    const result = await store.touch(entries);

    expect(result.failed).toEqual([]);
    expect(result.ok).toHaveLength(2000);
    expect(await store.count()).toBe(2000);
    const seen = await store.lastSeen(entries.map((e) => e.deviceId));
    expect(seen.get('sv-001999')).toBe(1_795_788_703_500 + 1999);
    expect(seen.size).toBe(2000);
  });

  it('keeps the latest ts of a device seen twice in one batch, in either order', async () => {
    const result = await store.touch([
      { deviceId: 'sv-twice', ts: 3000 },
      { deviceId: 'sv-twice', ts: 1000 },
      { deviceId: 'sv-again', ts: 1000 },
      { deviceId: 'sv-again', ts: 4000 },
    ]);

    expect(result).toEqual({ ok: ['sv-twice', 'sv-twice', 'sv-again', 'sv-again'], failed: [] });
    expect(await store.lastSeen(['sv-twice', 'sv-again'])).toEqual(
      new Map([
        ['sv-twice', 3000],
        ['sv-again', 4000],
      ]),
    );
  });

  it('fails only the bad entry of a batch', async () => {
    const result = await store.touch([
      { deviceId: 'sv-ok', ts: 1 },
      { deviceId: 'sv-bad', ts: Number.NaN },
    ]);

    expect(result.ok).toEqual(['sv-ok']);
    expect(result.failed).toEqual([{ deviceId: 'sv-bad', error: expect.stringMatching(/float/) }]);
  });

  it('fails every entry promptly while Redis is paused, and recovers after', async () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ deviceId: `sv-p${i}`, ts: 10 + i }));
    await redis.pause();
    let during;
    try {
      during = await store.touch(entries);
    } finally {
      await redis.unpause();
    }

    expect(during.ok).toEqual([]);
    expect(during.failed).toHaveLength(100);
    // Our commandTimeout fired (a hang would run into the test's timeout instead).
    expect(during.failed[0]).toEqual({ deviceId: 'sv-p0', error: 'Command timed out' });

    // Right after the pause Redis first works off the commands that timed out; on a busy machine
    // that can take the next one past the 500 ms command timeout too, so touched until it lands.
    const after = await pollUntil(
      () => store.touch([{ deviceId: 'sv-p0', ts: 1000 }]),
      (r) => r.failed.length === 0,
    );
    expect(after).toEqual({ ok: ['sv-p0'], failed: [] });
    // A timed-out command is not cancelled: Redis ran the "failed" ZADDs once it resumed. Harmless
    // here (ZADD GT is idempotent) but it means failed = unknown outcome, not "not written".
    expect(await store.count()).toBe(100);
  });

  it('fails every entry at once while Redis is unreachable', async () => {
    const down = new Redis({
      host: redis.host,
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    try {
      const result = await new HeartbeatStore(down).touch([
        { deviceId: 'a', ts: 1 },
        { deviceId: 'b', ts: 2 },
      ]);
      expect(result.ok).toEqual([]);
      expect(result.failed.map((f) => f.deviceId)).toEqual(['a', 'b']);
      expect(result.failed.every((f) => isRedisUnreachable(f.error))).toBe(true);
    } finally {
      down.disconnect();
    }
  });
});
