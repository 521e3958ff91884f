import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { redisOptionsFromUrl } from './redis-options';
import { REDIS_PROFILES, type RedisProfile } from './redis-profiles';

/** How long a graceful QUIT may take at shutdown before the socket is dropped. */
const QUIT_GRACE_MS = 2000;

/**
 * The one place Redis clients are made: every client has a named profile's options and is closed
 * when the application shuts down. Shutdown hooks of a global module run after every other
 * module's, so queues and stores that borrow these clients are closed before them.
 */
@Injectable()
export class RedisClientFactory implements OnApplicationShutdown {
  private readonly clients = new Set<Redis>();

  /** A client for `url` with the profile's options, owned (and closed) by this factory. */
  create(profile: RedisProfile, url: string): Redis {
    const client = new Redis(url, { ...REDIS_PROFILES[profile] });
    this.clients.add(client);
    return client;
  }

  /**
   * Connection options for a BullMQ queue or worker that makes and closes its own connections
   * (BullMQ never closes a client it is handed, and a worker needs one per blocking call).
   */
  connection(profile: RedisProfile, url: string): RedisOptions {
    return { ...redisOptionsFromUrl(url), ...REDIS_PROFILES[profile] };
  }

  /**
   * Resolves once `client` is ready; rejects after `timeoutMs` with the last connection error,
   * so a boot can name an unreachable Redis within seconds instead of retrying forever.
   */
  async ready(client: Redis, timeoutMs: number): Promise<void> {
    if (client.status === 'wait') {
      // A lazy client only connects when asked; the error is reported below.
      client.connect().catch(() => undefined);
    }
    if (client.status === 'ready') {
      return;
    }
    let lastError = 'no answer';
    const onError = (err: Error): void => {
      lastError = (err as NodeJS.ErrnoException).code ?? err.message;
    };
    client.on('error', onError);
    let timer: NodeJS.Timeout | undefined;
    let onReady = (): void => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${lastError}, no answer within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        onReady = resolve;
        client.once('ready', onReady);
      });
    } finally {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.clients].map(close));
    this.clients.clear();
  }
}

/** QUIT lets pending replies arrive; a client that is not connected just drops its socket. */
async function close(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, QUIT_GRACE_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  client.disconnect();
}
