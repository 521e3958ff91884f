import { type DynamicModule, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { IdempotencyStore } from '@sousvide/idempotency';
import { type StorageEnv, tsWindowOf } from '@sousvide/ingest-storage';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import { INGEST_REDIS } from '../ingest.tokens';
import { DeliveryParser } from '../parse/delivery-parser';
import { IngestStorageModule } from '../storage/ingest-storage.module';
import { DlqSelector } from './dlq-selector';
import { ReplayBatch } from './replay-batch';
import { ReplayClaims } from './replay-claims';
import { ReplayRecorder } from './replay-record';
import { ReplayCommand } from './replay.command';
import { REPLAYER_DLQ_QUEUE } from './replay.constants';
import { ReplayerConnections } from './replayer-connections';

/**
 * The DLQ replay: the stores a first delivery uses (one Redis client for them, the DLQ queue and
 * the replay claims) and the replay steps; an app runs `ReplayCommand`. Needs the global
 * `RedisClientsModule`.
 */
@Module({})
export class DlqReplayModule {
  static register(env: StorageEnv): DynamicModule {
    return {
      module: DlqReplayModule,
      imports: [
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
        // The gateway's parse rules, the ts window measured from when an entry was dead-lettered.
        { provide: DeliveryParser, useFactory: () => new DeliveryParser(tsWindowOf(env)) },
        DlqSelector,
        ReplayClaims,
        {
          provide: ReplayRecorder,
          inject: [INGEST_REDIS, IdempotencyStore],
          useFactory: (redis: Redis, idempotency: IdempotencyStore) =>
            new ReplayRecorder(redis, idempotency),
        },
        ReplayBatch,
        ReplayCommand,
        ReplayerConnections,
      ],
      exports: [ReplayCommand],
    };
  }
}
