import { RedisClientFactory } from './redis-client.factory';

describe('RedisClientFactory.connection', () => {
  it('gives BullMQ the profile with the parts of the URL', () => {
    expect(new RedisClientFactory().connection('producer', 'redis://:s%40cret@h:6380/2')).toEqual({
      host: 'h',
      port: 6380,
      password: 's@cret',
      db: 2,
      connectTimeout: 3000,
      enableOfflineQueue: false,
    });
  });

  it('keeps TLS for rediss:// URLs', () => {
    expect(new RedisClientFactory().connection('queueWorker', 'rediss://h')).toEqual({
      host: 'h',
      port: 6379,
      tls: {},
      maxRetriesPerRequest: null,
    });
  });
});
