import {
  type DynamicModule,
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { IdempotencyStore } from '@sousvide/idempotency';
import {
  HEARTBEAT_MIN_REDIS,
  HeartbeatStore,
  InfluxWriter,
  type StorageEnv,
} from '@sousvide/ingest-storage';
import { RunCounters } from '@sousvide/run-accounting';
import {
  RedisClientFactory,
  redisBootMessage,
  type RedisProfile,
  redisVersionProblem,
} from '@sousvide/platform';
import { INFLUX_CLIENT, redactUrl, serviceAccess } from '@sousvide/security';
import { INGEST_REDIS } from '../ingest.tokens';
import { MessageStorage } from './message-storage';

export interface IngestStorageModuleOptions {
  /** The app's validated environment (its schema spreads `storageEnvShape`). */
  env: StorageEnv;
  /** How the stores' Redis client behaves: the gateway's hot path, or a one-shot command. */
  redisProfile: RedisProfile;
}

/** How long a boot waits for Redis before failing with a message that names it. */
const REDIS_BOOT_TIMEOUT_MS = 3000;

/** The settings the module was registered with, for its own hooks. */
const STORAGE_ENV = Symbol('STORAGE_ENV');

/**
 * The stores every ingest process shares (gateway, replayer), built once from the same settings:
 * the Influx writer, the heartbeat, the idempotency store, the run counters and the storage step
 * over them, so a replay goes through exactly the code a first delivery does. The module closes
 * the Influx writer at shutdown; the Redis client is the factory's to close.
 */
@Module({})
export class IngestStorageModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly influx: InfluxWriter,
    private readonly clients: RedisClientFactory,
    @Inject(INGEST_REDIS) private readonly redis: Redis,
    @Inject(STORAGE_ENV) private readonly env: StorageEnv,
  ) {}

  static register({ env, redisProfile }: IngestStorageModuleOptions): DynamicModule {
    return {
      module: IngestStorageModule,
      providers: [
        {
          provide: INGEST_REDIS,
          inject: [RedisClientFactory],
          useFactory: (clients: RedisClientFactory) => clients.create(redisProfile, env.REDIS_URL),
        },
        { provide: STORAGE_ENV, useValue: env },
        {
          provide: InfluxWriter,
          useFactory: () =>
            new InfluxWriter({
              url: env.INFLUX_URL,
              token: env.INFLUX_TOKEN,
              tls: serviceAccess(env, INFLUX_CLIENT, env.INFLUX_URL).tls,
              org: env.INFLUX_ORG,
              bucket: env.INFLUX_BUCKET,
              timeoutMs: env.INFLUX_TIMEOUT_MS,
              gzipThreshold: env.INFLUX_GZIP_THRESHOLD_BYTES,
              retryBudgetMs: env.INFLUX_RETRY_BUDGET_MS,
              maxRetries: env.INFLUX_MAX_RETRIES,
            }),
        },
        {
          provide: HeartbeatStore,
          inject: [INGEST_REDIS],
          useFactory: (redis: Redis) => new HeartbeatStore(redis),
        },
        {
          provide: IdempotencyStore,
          inject: [INGEST_REDIS],
          useFactory: (redis: Redis) =>
            new IdempotencyStore(redis, { ttlSec: env.IDEMPOTENCY_TTL_SEC }),
        },
        {
          provide: RunCounters,
          inject: [INGEST_REDIS],
          useFactory: (redis: Redis) => new RunCounters(redis),
        },
        MessageStorage,
      ],
      exports: [
        INGEST_REDIS,
        InfluxWriter,
        HeartbeatStore,
        IdempotencyStore,
        RunCounters,
        MessageStorage,
      ],
    };
  }

  /**
   * Boot fails within seconds, naming Redis, when it does not answer, and naming its version when
   * it is older than the heartbeat needs (on a Redis 6.0 every settle's heartbeat would fail and
   * every message go to the DLQ). A bootstrap hook rather than an async provider: an error here reaches
   * main as a plain message, not a framework stack.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.clients.ready(this.redis, REDIS_BOOT_TIMEOUT_MS).catch((err: unknown) => {
      throw new Error(
        redisBootMessage(this.env.REDIS_URL, (err as Error).message, 'check REDIS_URL'),
      );
    });
    // A user whose ACL denies INFO boots unchecked, as ioredis's own ready check lets it.
    const problem = redisVersionProblem(
      await this.redis.info('server').catch(() => ''),
      HEARTBEAT_MIN_REDIS,
      'the heartbeat needs (ZADD ... GT)',
      'upgrade it (tools/stack/up.sh and compose run Redis 7)',
    );
    if (problem !== undefined) {
      throw new Error(`Redis at ${redactUrl(this.env.REDIS_URL)} ${problem}`);
    }
  }

  /** After every service drained (they stop in beforeApplicationShutdown). */
  async onApplicationShutdown(): Promise<void> {
    await this.influx.close();
  }
}
