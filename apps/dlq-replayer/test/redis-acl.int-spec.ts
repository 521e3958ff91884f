import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DlqProducer } from '@sousvide/ingest-storage';
import {
  reportOf,
  runReplayer,
  startRedis,
  startVictoriaMetrics,
  waitForStoredPoints,
  type RedisService,
  type VictoriaMetricsService,
} from '@sousvide/testing';
import { influxEntry } from './factories/dlq-entry.factory';

const USER = 'replayer';
const PASSWORD = `redis-Replayer-Password-${Date.now()}-9d`;

/** The replayer against a Redis whose only user is an ACL user with a password (ADR 0033). */
describe('dlq-replayer with a Redis ACL user (real Redis and VictoriaMetrics)', () => {
  let redis: RedisService;
  let vm: VictoriaMetricsService;
  let producer: DlqProducer;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replayer-acl-'));
    writeFileSync(join(dir, 'redis-password'), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'wrong'), 'wrong-Replayer-Password-1\n');
    [redis, vm] = await Promise.all([
      startRedis({ acl: { username: USER, password: PASSWORD } }),
      startVictoriaMetrics(),
    ]);
    producer = new DlqProducer({
      host: redis.host,
      port: redis.port,
      username: USER,
      password: PASSWORD,
    });
    env = {
      REDIS_URL: redis.url,
      REDIS_USERNAME: USER,
      REDIS_PASSWORD_FILE: join(dir, 'redis-password'),
      INFLUX_URL: vm.url,
    };
  });

  afterAll(async () => {
    await producer?.close();
    await Promise.allSettled([redis?.stop(), vm?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays with its password from REDIS_PASSWORD_FILE (BullMQ and the stores alike)', async () => {
    const runId = `acl-file-${Date.now()}`;
    expect((await producer.addMany([0, 1, 2].map((i) => influxEntry(runId, i)))).failed).toEqual(
      [],
    );
    const run = await runReplayer(['replay', '--run-id', runId, '--json'], env);
    expect(run.code).toBe(0);
    expect(reportOf(run)).toMatchObject({ selected: 3, replayed: 3, remaining: 0 });
    expect(await waitForStoredPoints(vm, runId, 3)).toMatchObject({ points: 3 });
  });

  it('keeps a password inside REDIS_URL working', async () => {
    const runId = `acl-url-${Date.now()}`;
    expect((await producer.addMany([influxEntry(runId, 0)])).failed).toEqual([]);
    const inline = `redis://${USER}:${encodeURIComponent(PASSWORD)}@${redis.host}:${redis.port}`;
    const run = await runReplayer(['replay', '--run-id', runId, '--json'], {
      REDIS_URL: inline,
      INFLUX_URL: vm.url,
      REDIS_USERNAME: '',
      REDIS_PASSWORD_FILE: '',
    });
    expect(run.code).toBe(0);
    expect(reportOf(run)).toMatchObject({ replayed: 1 });
  });

  it('exits 1 naming the credentials when Redis refuses the password, printing neither', async () => {
    const run = await runReplayer(['replay'], {
      ...env,
      REDIS_PASSWORD_FILE: join(dir, 'wrong'),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Redis at ${redis.url} refused the credentials`);
    expect(run.stderr).toContain('REDIS_PASSWORD_FILE');
    expect(run.stderr).not.toContain('wrong-Replayer-Password-1');
    expect(run.stderr).not.toContain(PASSWORD);
  });

  it('exits 2 on a user without a password, naming both variables', async () => {
    const run = await runReplayer(['replay'], { ...env, REDIS_PASSWORD_FILE: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'REDIS_PASSWORD: is required when REDIS_USERNAME is set: set REDIS_PASSWORD or REDIS_PASSWORD_FILE',
    );
  });
});
