import Redis from 'ioredis';
import { startRedis, type RedisService } from '@sousvide/testing';
import { DeviceSequences, gapsOf, RUN_KEYS, type SequenceSighting } from '../src';

const T0 = 1_764_000_000_000;

/** Sightings of one device: seqs in the order the gateway received them, ts = T0 + seq s. */
function seen(
  deviceId: string,
  seqs: number[],
  tsBase = T0,
  duplicate = false,
): SequenceSighting[] {
  return seqs.map((seq) => ({ deviceId, seq, ts: tsBase + seq * 1000, duplicate }));
}

describe('DeviceSequences: per-device seq state in Redis', () => {
  let redis: RedisService;
  let clientA: Redis;
  let clientB: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    // Two clients stand for two gateway instances.
    clientA = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clientB = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    clientA?.disconnect();
    clientB?.disconnect();
    await redis?.stop();
  });

  it('finds gaps, duplicates and reordering per device', async () => {
    const store = new DeviceSequences(clientA);
    await store.record('kinds', [
      ...seen('clean', [0, 1, 2, 3]),
      ...seen('gappy', [0, 1, 4, 5]),
      ...seen('dupes', [0, 1, 2]),
      ...seen('dupes', [1, 1], T0, true),
      ...seen('late', [0, 2, 1, 3]),
      // Its first two never arrived: a session is counted from seq 0.
      ...seen('tail', [2, 3]),
    ]);

    const states = await store.read('kinds');

    expect(
      Object.fromEntries([...states].map(([id, d]) => [id, [gapsOf(d), d.dups, d.reorders]])),
    ).toEqual({
      clean: [0, 0, 0],
      gappy: [2, 0, 0],
      dupes: [0, 2, 0],
      late: [0, 0, 1],
      tail: [2, 0, 0],
    });
    const summary = await store.summary('kinds');
    expect(summary.worst.gaps.map((d) => d.deviceId)).toEqual(['gappy', 'tail']);
    expect(summary.worst.duplicates).toEqual([{ deviceId: 'dupes', count: 2 }]);
    expect(summary.worst.reordered).toEqual([{ deviceId: 'late', count: 1 }]);
  });

  it('starts a new session when the seq goes back with a later ts, keeping the old gaps', async () => {
    const store = new DeviceSequences(clientA);
    // Attempt 1 lost seq 2; attempt 2 (a minute later) starts again at 0 and loses nothing.
    await store.record('reset', seen('dev', [0, 1, 3]));
    await store.record('reset', seen('dev', [0, 1, 2], T0 + 60_000));

    const d = (await store.read('reset')).get('dev');

    expect(d).toMatchObject({ maxSeq: 2, distinct: 3, reorders: 0, closedGaps: 1 });
    expect(d && gapsOf(d)).toBe(1);
  });

  it('continues a state an earlier version stored as text, and stores it in 33 bytes', async () => {
    const store = new DeviceSequences(clientA);
    const key = RUN_KEYS.runDevices('upgrade');
    // maxSeq 4 of ts T0 + 4 s, 4 distinct (seq 3 missing), 1 duplicate so far.
    await clientA.hset(key, 'dev', `4,${T0 + 4000},4,1,0,0`);

    await store.record('upgrade', [...seen('dev', [5]), ...seen('dev', [3])]);

    expect((await store.read('upgrade')).get('dev')).toEqual({
      maxSeq: 5,
      tsOfMax: T0 + 5000,
      distinct: 6,
      dups: 1,
      reorders: 1,
      closedGaps: 0,
    });
    expect(await clientA.hstrlen(key, 'dev')).toBe(33);
  });

  it('adds up exactly when two gateway instances record the same devices concurrently', async () => {
    const a = new DeviceSequences(clientA);
    const b = new DeviceSequences(clientB);
    const writes: Promise<void>[] = [];
    // Even seqs through instance A, odd through B (a shared subscription's split), seq 50 lost.
    for (let seq = 0; seq < 100; seq += 1) {
      if (seq !== 50) {
        writes.push((seq % 2 === 0 ? a : b).record('split', seen('dev', [seq])));
      }
    }
    await Promise.all(writes);

    const d = (await a.read('split')).get('dev');

    expect(d && gapsOf(d)).toBe(1);
    expect(d?.distinct).toBe(99);
  });

  it('holds 100,000 devices in a bounded hash with a TTL (bytes per device printed)', async () => {
    const store = new DeviceSequences(clientA);
    const devices = 100_000;
    for (let k = 0; k < devices; k += 5000) {
      const batch: SequenceSighting[] = [];
      for (let j = k; j < k + 5000; j += 1) {
        batch.push(...seen(`sv-${String(j).padStart(6, '0')}`, [0, 1, 2]));
      }
      await store.record('fleet', batch);
    }
    const key = RUN_KEYS.runDevices('fleet');
    const bytes = Number(await clientA.memory('USAGE', key, 'SAMPLES', '0'));
    process.stdout.write(
      `device sequences: ${devices} devices, ${bytes} bytes, ${(bytes / devices).toFixed(1)} bytes/device\n`,
    );

    expect(await clientA.hlen(key)).toBe(devices);
    expect(await clientA.ttl(key)).toBeGreaterThan(0);
    expect((await store.summary('fleet')).devices_seen).toBe(devices);
  });
});
