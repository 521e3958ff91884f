import {
  GenericContainer,
  getContainerRuntimeClient,
  StartedTestContainer,
  Wait,
} from 'testcontainers';
import { freePort } from './free-port';
import { ensureImage, resolveImage, startingImage } from './images';

export interface RedisService {
  /** redis://host:port */
  url: string;
  host: string;
  port: number;
  container: StartedTestContainer;
  stop(): Promise<void>;
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
}

/** Starts a throwaway Redis from REDIS_IMAGE (default redis:7). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisService> {
  const image = resolveImage('REDIS_IMAGE');
  await ensureImage('REDIS_IMAGE', image);
  const exposed = options.fixedHostPort ? { container: 6379, host: await freePort() } : 6379;
  const container = await startingImage(image, () =>
    new GenericContainer(image)
      .withExposedPorts(exposed)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .withStartupTimeout(60_000)
      .start(),
  );
  const host = container.getHost();
  const port = container.getMappedPort(6379);
  // StartedTestContainer has no pause(); go through the runtime's dockerode handle.
  const docker = async () =>
    (await getContainerRuntimeClient()).container.getById(container.getId());
  return {
    url: `redis://${host}:${port}`,
    host,
    port,
    container,
    stop: async () => {
      await container.stop();
    },
    pause: async () => {
      await (await docker()).pause();
    },
    unpause: async () => {
      await (await docker()).unpause();
    },
  };
}
