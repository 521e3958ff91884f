import type { Redis } from 'ioredis';
import type { InfluxWriter, StorageEnv } from '@sousvide/ingest-storage';
import type { RedisClientFactory } from '@sousvide/platform';
import { IngestStorageModule } from './ingest-storage.module';

/** The module's boot hook over a client that is ready and answers INFO with `version`. */
function moduleWith(
  version: string | Error,
  url = 'redis://:pw@redis.example:6379',
): IngestStorageModule {
  const clients = { ready: () => Promise.resolve() } as unknown as RedisClientFactory;
  const redis = {
    info: (section: string) =>
      version instanceof Error
        ? Promise.reject(version)
        : Promise.resolve(
            section === 'server'
              ? `# Server\r\nredis_version:${version}\r\nredis_mode:standalone\r\n`
              : '',
          ),
  } as unknown as Redis;
  return new IngestStorageModule({} as InfluxWriter, clients, redis, {
    REDIS_URL: url,
  } as StorageEnv);
}

describe('IngestStorageModule boot', () => {
  it('refuses a Redis older than the heartbeat needs, naming its version, the URL and the fix', async () => {
    const boot = moduleWith('6.0.16').onApplicationBootstrap();
    await expect(boot).rejects.toThrow(
      /^Redis at redis:\/\/:\*+@redis\.example:6379 runs Redis 6\.0\.16, older than the 6\.2 that the heartbeat needs \(ZADD \.\.\. GT\): upgrade it/,
    );
    await expect(boot).rejects.not.toThrow(/pw@/);
  });

  it('boots unchecked when the ACL denies INFO, as ioredis does', async () => {
    const denied = new Error("NOPERM User ingest has no permissions to run the 'info' command");
    await expect(moduleWith(denied).onApplicationBootstrap()).resolves.toBeUndefined();
  });

  it('boots on Redis 6.2 and 7', async () => {
    await expect(moduleWith('6.2.14').onApplicationBootstrap()).resolves.toBeUndefined();
    await expect(moduleWith('7.0.15').onApplicationBootstrap()).resolves.toBeUndefined();
  });
});
