import { type DynamicModule, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import { IdempotencyStore } from '@sousvide/idempotency';
import { HeartbeatStore, InfluxWriter, RunCounters } from '@sousvide/ingest-storage';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import {
  REPLAYER_DLQ_QUEUE,
  REPLAYER_ENV,
  REPLAYER_REDIS,
  type ReplayerEnv,
} from './config/env.schema';
import { DlqSelector } from './replay/dlq-selector';
import { EntryStorage } from './replay/entry-storage';
import { ReplayBatch } from './replay/replay-batch';
import { ReplayClaims } from './replay/replay-claims';
import { ReplayCommand } from './replay/replay.command';
import { ReplayerConnections } from './replay/replayer-connections';

/** Root module of the one-shot command; main builds it after validating the environment. */
@Module({})
export class AppModule {
  static register(env: ReplayerEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Logs go to stderr: stdout is reserved for the report (`--json` must parse as-is).
        LoggerModule.forRoot({
          pinoHttp: [{ level: env.LOG_LEVEL, autoLogging: false }, process.stderr],
        }),
      ],
      providers: [
        { provide: REPLAYER_ENV, useValue: env },
        {
          provide: REPLAYER_REDIS,
          useFactory: () =>
            // Fail commands fast when Redis goes away mid-run instead of queueing them in memory.
            new Redis(env.REDIS_URL, {
              maxRetriesPerRequest: 1,
              enableOfflineQueue: false,
              connectTimeout: 3000,
              commandTimeout: 5000,
            }),
        },
        {
          provide: REPLAYER_DLQ_QUEUE,
          inject: [REPLAYER_REDIS],
          useFactory: (redis: Redis) => {
            const queue = new Queue(QUEUE_NAMES.dlq, { connection: redis });
            // Without a listener BullMQ prints every connection error; the command's calls fail.
            queue.on('error', () => undefined);
            return queue;
          },
        },
        {
          provide: InfluxWriter,
          useFactory: () =>
            new InfluxWriter({
              url: env.INFLUX_URL,
              token: env.INFLUX_TOKEN,
              org: env.INFLUX_ORG,
              bucket: env.INFLUX_BUCKET,
              timeoutMs: env.INFLUX_TIMEOUT_MS,
              retryBudgetMs: env.INFLUX_RETRY_BUDGET_MS,
            }),
        },
        {
          provide: HeartbeatStore,
          inject: [REPLAYER_REDIS],
          useFactory: (redis: Redis) => new HeartbeatStore(redis),
        },
        {
          provide: IdempotencyStore,
          inject: [REPLAYER_REDIS],
          useFactory: (redis: Redis) =>
            new IdempotencyStore(redis, {
              ttlSec: env.IDEMPOTENCY_TTL_SEC,
              claimTtlMs: env.IDEMPOTENCY_CLAIM_TTL_MS,
            }),
        },
        {
          provide: RunCounters,
          inject: [REPLAYER_REDIS],
          useFactory: (redis: Redis) => new RunCounters(redis),
        },
        DlqSelector,
        ReplayClaims,
        EntryStorage,
        ReplayBatch,
        ReplayCommand,
        ReplayerConnections,
      ],
    };
  }
}
