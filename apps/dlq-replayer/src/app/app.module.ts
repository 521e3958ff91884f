import { type DynamicModule, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { INGEST_REDIS, IngestStorageModule } from '@sousvide/ingest-pipeline';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import { loggerModule, RedisClientsModule } from '@sousvide/platform';
import { loadReplayerEnv, REPLAYER_DLQ_QUEUE, type ReplayerEnv } from './config/env.schema';
import { DlqSelector } from './replay/dlq-selector';
import { ReplayBatch } from './replay/replay-batch';
import { ReplayClaims } from './replay/replay-claims';
import { ReplayCommand } from './replay/replay.command';
import { ReplayerConnections } from './replay/replayer-connections';

/**
 * Root module of the one-shot command: the gateway's stores (one Redis client for them, the DLQ
 * queue and the replay claims) and the replay steps. main builds it after validating the
 * environment and checking that Redis answers.
 */
@Module({})
export class AppModule {
  static register(env: ReplayerEnv = loadReplayerEnv()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Logs go to stderr: stdout is reserved for the report (`--json` must parse as-is).
        loggerModule(env.LOG_LEVEL, process.stderr),
        RedisClientsModule,
        // Fail calls fast when Redis goes away mid-run instead of queueing them in memory.
        IngestStorageModule.register({ env, redisProfile: 'oneShot' }),
      ],
      providers: [
        {
          provide: REPLAYER_DLQ_QUEUE,
          inject: [INGEST_REDIS],
          useFactory: (redis: Redis) => {
            const queue = new Queue(QUEUE_NAMES.dlq, { connection: redis });
            // Without a listener BullMQ prints every connection error; the command's calls fail.
            queue.on('error', () => undefined);
            return queue;
          },
        },
        DlqSelector,
        ReplayClaims,
        ReplayBatch,
        ReplayCommand,
        ReplayerConnections,
      ],
    };
  }
}
