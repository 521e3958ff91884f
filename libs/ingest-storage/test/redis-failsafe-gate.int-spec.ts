import Redis from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { startRedis, waitFor, type RedisService } from '@sousvide/testing';
import { FailsafeGate, type GateClaim } from '../src';

const claim = (deviceId: string, seq: number, token: string, cooldownMs = 60_000): GateClaim => ({
  deviceId,
  messageKey: `${deviceId}:${seq}:1000`,
  token,
  cooldownMs,
  firedMs: 120_000,
});

describe('FailsafeGate (real Redis)', () => {
  let redis: RedisService;
  let clientA: Redis;
  let clientB: Redis;
  let a: FailsafeGate;
  let b: FailsafeGate;

  beforeAll(async () => {
    redis = await startRedis();
    clientA = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clientB = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    a = new FailsafeGate(clientA);
    b = new FailsafeGate(clientB);
  });

  afterAll(async () => {
    clientA?.disconnect();
    clientB?.disconnect();
    await redis?.stop();
  });

  it('lets exactly one of two racing gateways send, per device', async () => {
    const devices = Array.from({ length: 50 }, (_, i) => `sv-race-${i}`);
    const results = await Promise.all(
      devices.map((id) =>
        Promise.all([a.acquire(claim(id, 1, 'gw-a:1')), b.acquire(claim(id, 2, 'gw-b:1'))]),
      ),
    );
    for (const pair of results) {
      expect(pair.filter((o) => o === 'acquired')).toHaveLength(1);
      expect(pair).toContain('cooldown');
    }
    // The winner is recorded, so an operator can see which instance sent the command.
    const winner = await clientA.get(INGEST_KEYS.failsafe('sv-race-0'));
    expect(winner).toBe(results[0]?.[0] === 'acquired' ? 'gw-a:1' : 'gw-b:1');
  });

  it('opens again once the cooldown has passed, but never for a copy of a reading that acted', async () => {
    const key = INGEST_KEYS.failsafe('sv-cool');
    // 1.5 s: both claims must land within the cooldown, two round trips on a possibly starved box.
    expect(await a.acquire(claim('sv-cool', 1, 'gw-a:2', 1500))).toBe('acquired');
    expect(await b.acquire(claim('sv-cool', 2, 'gw-b:2', 1500))).toBe('cooldown');
    // Redis expires the gate after the cooldown: wait for that state, not for a guessed time.
    await waitFor('the gate to expire', async () => (await clientA.exists(key)) === 0);
    expect(await b.acquire(claim('sv-cool', 1, 'gw-b:3', 200))).toBe('duplicate');
    expect(await b.acquire(claim('sv-cool', 3, 'gw-b:4', 200))).toBe('acquired');
  });

  it('gives back only its own claim', async () => {
    expect(await a.acquire(claim('sv-rel', 1, 'gw-a:5'))).toBe('acquired');
    await b.release(claim('sv-rel', 1, 'gw-b:9'));
    expect(await b.acquire(claim('sv-rel', 2, 'gw-b:10'))).toBe('cooldown');
    await a.release(claim('sv-rel', 1, 'gw-a:5'));
    expect(await b.acquire(claim('sv-rel', 1, 'gw-b:11'))).toBe('acquired');
  });

  it('restores claims taken while Redis was away, keeping a marker another instance set meanwhile', async () => {
    expect(await b.acquire(claim('sv-res-1', 7, 'gw-b:20'))).toBe('acquired');
    await a.restore([claim('sv-res-1', 1, 'gw-a:20', 5000), claim('sv-res-2', 1, 'gw-a:21', 5000)]);
    expect(await clientA.get(INGEST_KEYS.failsafe('sv-res-1'))).toBe('gw-b:20');
    expect(await clientA.get(INGEST_KEYS.failsafe('sv-res-2'))).toBe('gw-a:21');
    expect(await clientA.pttl(INGEST_KEYS.failsafe('sv-res-2'))).toBeLessThanOrEqual(5000);
    expect(await b.acquire(claim('sv-res-2', 2, 'gw-b:22'))).toBe('cooldown');
    expect(await b.acquire(claim('sv-res-1', 1, 'gw-b:23'))).toBe('duplicate');
  });

  it('rejects a cooldown Redis could not take', async () => {
    await expect(a.acquire(claim('sv-x', 1, 't', 0))).rejects.toThrow(RangeError);
    await expect(a.acquire(claim('sv-x', 1, 't', 1.5))).rejects.toThrow(RangeError);
  });
});
