import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { startRedis, type RedisService } from '@sousvide/testing';
import {
  assertRedisReachable,
  redisAccessFromEnv,
  RedisClientFactory,
  RedisClientsModule,
} from '../src';

const MAKE_CERTS = resolve(__dirname, '../../../tools/security/make-certs.sh');
const USER = 'svc';
const PASSWORD = `redis-Tls-Password-${Date.now()}-3c`;

/**
 * A Redis that speaks TLS only (server certificate from make-certs.sh) and knows only an ACL user:
 * the factory's clients and BullMQ connections get both from REDIS_USERNAME,
 * REDIS_PASSWORD_FILE and REDIS_TLS_CA_FILE (ADR 0033).
 */
describe('Redis clients with an ACL user over TLS (real Redis)', () => {
  let dir: string;
  let redis: RedisService;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-tls-'));
    execFileSync('bash', [MAKE_CERTS, '--out', join(dir, 'tls')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
    redis = await startRedis({
      acl: { username: USER, password: PASSWORD },
      tlsDir: join(dir, 'tls'),
    });
    env = {
      REDIS_USERNAME: USER,
      REDIS_PASSWORD_FILE: join(dir, 'password'),
      REDIS_TLS_CA_FILE: join(dir, 'tls', 'ca.crt'),
    };
  });

  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects commands and BullMQ over rediss:// as the ACL user', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const app = await Test.createTestingModule({
      imports: [RedisClientsModule.withAccess(redisAccessFromEnv(env))],
    }).compile();
    const factory = app.get(RedisClientFactory);
    const client = factory.create('command', redis.url);
    await factory.ready(client, 10_000);
    expect(await client.acl('WHOAMI')).toBe(USER);
    const queue = new Queue('tls-acl-probe', {
      connection: factory.connection('producer', redis.url),
    });
    try {
      await queue.add('probe', { n: 1 });
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    } finally {
      await queue.close();
      await app.close();
    }
  });

  it('passes the boot probe, and names the credentials when the password is wrong', async () => {
    await assertRedisReachable(redis.url, 10_000, redisAccessFromEnv(env));
    const wrong = {
      username: USER,
      password: 'wrong-Password-0',
      tls: redisAccessFromEnv(env).tls,
    };
    const err = await assertRedisReachable(redis.url, 10_000, wrong).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`Redis at ${redis.url} refused the credentials`);
    expect(err?.message).not.toContain('wrong-Password-0');
  });

  it('refuses a server certificate from no CA it was given', async () => {
    const factory = new RedisClientFactory({ username: USER, password: PASSWORD });
    const client = factory.create('ingest', redis.url);
    await expect(factory.ready(client, 10_000)).rejects.toThrow(/CERT|certificate/i);
    await factory.closeAll();
  });
});
