import Redis from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { startRedis, waitFor, type RedisService } from '@sousvide/testing';
import { FailsafeGate } from '../src';

describe('FailsafeGate (real Redis)', () => {
  let redis: RedisService;
  let clientA: Redis;
  let clientB: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    clientA = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clientB = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    clientA?.disconnect();
    clientB?.disconnect();
    await redis?.stop();
  });

  it('lets exactly one of two racing gateways send, per device', async () => {
    const a = new FailsafeGate(clientA, 'gw-a');
    const b = new FailsafeGate(clientB, 'gw-b');
    const devices = Array.from({ length: 50 }, (_, i) => `sv-race-${i}`);

    const results = await Promise.all(
      devices.map(async (id) => {
        const [ra, rb] = await Promise.all([a.tryAcquire(id, 60_000), b.tryAcquire(id, 60_000)]);
        return [ra, rb];
      }),
    );

    for (const pair of results) {
      expect(pair.filter(Boolean)).toHaveLength(1);
    }
    // The winner is recorded, so an operator can see which instance sent the command.
    const winner = await clientA.get(INGEST_KEYS.failsafe('sv-race-0'));
    expect(winner).toBe(results[0]?.[0] ? 'gw-a' : 'gw-b');
  });

  it('opens again once the cooldown has passed', async () => {
    const key = INGEST_KEYS.failsafe('sv-cool');
    const a = new FailsafeGate(clientA, 'gw-a');
    const b = new FailsafeGate(clientB, 'gw-b');

    expect(await a.tryAcquire('sv-cool', 200)).toBe(true);
    expect(await b.tryAcquire('sv-cool', 200)).toBe(false);
    // Redis expires the gate after the cooldown: wait for that state, not for a guessed time.
    await waitFor('the gate to expire', async () => (await clientA.exists(key)) === 0);

    expect(await b.tryAcquire('sv-cool', 200)).toBe(true);
    expect(await a.tryAcquire('sv-cool', 200)).toBe(false);
  });

  it('rejects a cooldown Redis could not take', async () => {
    const gate = new FailsafeGate(clientA, 'gw-a');
    await expect(gate.tryAcquire('sv-x', 0)).rejects.toThrow(RangeError);
    await expect(gate.tryAcquire('sv-x', 1.5)).rejects.toThrow(RangeError);
  });
});
