import { RedisClientFactory } from './redis-client.factory';

const CA = { ca: 'PEM', rejectUnauthorized: true } as const;

describe('RedisClientFactory.connection', () => {
  const none = new RedisClientFactory({});

  it('gives BullMQ the profile with the parts of the URL', () => {
    expect(none.connection('producer', 'redis://:s%40cret@h:6380/2')).toEqual({
      host: 'h',
      port: 6380,
      password: 's@cret',
      db: 2,
      connectTimeout: 3000,
      enableOfflineQueue: false,
    });
  });

  it('keeps TLS for rediss:// URLs', () => {
    expect(none.connection('queueWorker', 'rediss://h')).toEqual({
      host: 'h',
      port: 6379,
      tls: {},
      maxRetriesPerRequest: null,
    });
  });

  it('adds the app`s Redis user and password, and its TLS options for rediss:// only', () => {
    const factory = new RedisClientFactory({ username: 'app', password: 'pw', tls: CA });
    expect(factory.connection('queueWorker', 'rediss://h')).toEqual({
      host: 'h',
      port: 6379,
      username: 'app',
      password: 'pw',
      tls: CA,
      maxRetriesPerRequest: null,
    });
    expect(factory.connection('queueWorker', 'redis://h')).not.toHaveProperty('tls');
  });

  it('lets a password inside the URL win (it keeps working), with REDIS_USERNAME as its user', () => {
    const factory = new RedisClientFactory({ username: 'app', password: 'pw' });
    expect(factory.connection('queueWorker', 'redis://:inline@h')).toMatchObject({
      username: 'app',
      password: 'inline',
    });
  });

  it('lets a user inside the URL win, with REDIS_PASSWORD as its password', () => {
    const factory = new RedisClientFactory({ username: 'app', password: 'pw' });
    expect(factory.connection('queueWorker', 'redis://other@h')).toMatchObject({
      username: 'other',
      password: 'pw',
    });
    expect(factory.connection('queueWorker', 'redis://other:own@h')).toMatchObject({
      username: 'other',
      password: 'own',
    });
  });

  it('reads REDIS_USERNAME without a password as a boot error naming the variables', () => {
    const saved = { ...process.env };
    process.env['REDIS_USERNAME'] = 'app';
    delete process.env['REDIS_PASSWORD'];
    delete process.env['REDIS_PASSWORD_FILE'];
    try {
      expect(() => new RedisClientFactory()).toThrow(
        'REDIS_PASSWORD: is required when REDIS_USERNAME is set',
      );
    } finally {
      process.env = saved;
    }
  });
});
