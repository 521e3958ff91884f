import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ServiceAccess } from '@sousvide/security';
import { redisAccessFromEnv, redisAccessOptions, redisOptionsFromUrl } from './redis-options';

/**
 * The user name, password and TLS options every Redis client of an app uses (an app may bind it;
 * otherwise the factory reads `REDIS_USERNAME`, `REDIS_PASSWORD(_FILE)` and `REDIS_TLS_*_FILE`).
 */
export const REDIS_ACCESS = Symbol('REDIS_ACCESS');
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
  private readonly access: ServiceAccess;

  constructor(@Optional() @Inject(REDIS_ACCESS) access?: ServiceAccess) {
    this.access = access ?? redisAccessFromEnv();
  }

  /**
   * A client for `url` with the profile's options and the app's Redis credentials and TLS
   * options, owned (and closed) by this factory.
   */
  create(profile: RedisProfile, url: string): Redis {
    // Options given next to a URL only fill in what the URL leaves out (ioredis).
    const client = new Redis(url, {
      ...REDIS_PROFILES[profile],
      ...redisAccessOptions(url, this.access),
    });
    this.clients.add(client);
    return client;
  }

  /**
   * Connection options for a BullMQ queue or worker that makes and closes its own connections
   * (BullMQ never closes a client it is handed, and a worker needs one per blocking call).
   */
  connection(profile: RedisProfile, url: string): ConnectionOptions {
    return {
      ...redisOptionsFromUrl(url),
      ...redisAccessOptions(url, this.access),
      ...REDIS_PROFILES[profile],
    };
  }

  /**
   * Resolves once `client` is ready; rejects at its first connection error or after `timeoutMs`,
   * so a boot names an unreachable Redis at once instead of retrying in the background.
   */
  async ready(client: Redis, timeoutMs: number): Promise<void> {
    if (client.status === 'wait') {
      // A lazy client only connects when asked; its error is reported below.
      client.connect().catch(() => undefined);
    }
    if (client.status === 'ready') {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let onReady = (): void => undefined;
    let onError: (err: Error) => void = () => undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        onReady = resolve;
        onError = (err) => reject(new Error((err as NodeJS.ErrnoException).code ?? err.message));
        client.once('ready', onReady);
        client.once('error', onError);
      });
    } finally {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    }
  }

  /** Closes every client made so far (at shutdown; also for code that runs outside Nest). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.clients].map(close));
    this.clients.clear();
  }

  onApplicationShutdown(): Promise<void> {
    return this.closeAll();
  }
}

/**
 * QUIT lets pending replies arrive; a client that is not connected just drops its socket. Resolves
 * once the client has ended (bounded: a stuck socket must not hold up the exit).
 */
async function close(client: Redis): Promise<void> {
  if (client.status === 'end') {
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', resolve));
  if (client.status === 'ready') {
    await within(
      client.quit().catch(() => undefined),
      QUIT_GRACE_MS,
    );
  }
  client.disconnect();
  await within(ended, QUIT_GRACE_MS);
}

async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
