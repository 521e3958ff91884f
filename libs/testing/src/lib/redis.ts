import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import { freePort } from './free-port';
import { startService, type StartedService } from './service';

/** url: redis://host:port */
export interface RedisService extends StartedService {
  /** Freezes the server (docker pause): connections stay open but nothing answers, like a stalled Redis. */
  pause(): Promise<void>;
  unpause(): Promise<void>;
}

export interface RedisOptions {
  /**
   * Publish 6379 on a fixed free host port instead of a random one: Docker picks a new random port
   * on every `docker start`, so tests that stop and start the container need a fixed one.
   */
  fixedHostPort?: boolean;
  /**
   * Require this ACL user (all keys, channels and commands) and turn the passwordless `default`
   * user off, as a secured Redis is run: clients must AUTH as it (REDIS_USERNAME/REDIS_PASSWORD).
   */
  acl?: { username: string; password: string };
}

/** The server's arguments: the image's defaults, plus the ACL user when one is asked for. */
function redisCommand(acl: RedisOptions['acl']): string[] | undefined {
  if (acl === undefined) {
    return undefined;
  }
  return [
    ...['redis-server', '--bind', '0.0.0.0', '--protected-mode', 'no'],
    ...['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    ...['--user', 'default', 'off'],
    ...['--user', acl.username, 'on', `>${acl.password}`, '~*', '&*', '+@all'],
  ];
}

/** Starts a throwaway Redis from REDIS_IMAGE (default redis:7). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisService> {
  const exposed = options.fixedHostPort ? { container: 6379, host: await freePort() } : 6379;
  const command = redisCommand(options.acl);
  const service = await startService('REDIS_IMAGE', 'redis', 6379, (image) => {
    const container = new GenericContainer(image)
      .withExposedPorts(exposed)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
    return command ? container.withCommand(command) : container;
  });
  // StartedTestContainer has no pause(); go through the runtime's dockerode handle.
  const docker = async () =>
    (await getContainerRuntimeClient()).container.getById(service.container.getId());
  return {
    ...service,
    pause: async () => {
      await (await docker()).pause();
    },
    unpause: async () => {
      await (await docker()).unpause();
    },
  };
}
