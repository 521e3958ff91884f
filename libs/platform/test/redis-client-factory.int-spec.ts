import { Test } from '@nestjs/testing';
import { freePort, startRedis, type RedisService } from '@sousvide/testing';
import { RedisClientFactory, RedisClientsModule } from '../src';

describe('RedisClientFactory (real Redis)', () => {
  let redis: RedisService;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('makes clients with the profile named, and closes every one when the app shuts down', async () => {
    const app = await Test.createTestingModule({ imports: [RedisClientsModule] }).compile();
    const factory = app.get(RedisClientFactory);
    const ingest = factory.create('ingest', redis.url);
    const worker = factory.create('queueWorker', redis.url);
    await factory.ready(ingest, 5000);
    await factory.ready(worker, 5000);
    expect(ingest.options).toMatchObject({ commandTimeout: 3000, enableOfflineQueue: false });
    expect(worker.options.maxRetriesPerRequest).toBeNull();
    expect(await ingest.set('platform:probe', '1')).toBe('OK');

    await app.close();

    expect([ingest.status, worker.status]).toEqual(['end', 'end']);
  });

  it('names the connection error when Redis refuses, without waiting for a retry', async () => {
    const factory = new RedisClientFactory();
    const dead = factory.create('ingest', `redis://127.0.0.1:${await freePort()}`);
    await expect(factory.ready(dead, 1000)).rejects.toThrow(/^ECONNREFUSED$/);
    await factory.closeAll();
    expect(dead.status).toBe('end');
  });
});
