import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import Redis from 'ioredis';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import {
  COORDINATOR_ENV,
  COORDINATOR_REDIS,
  CoordinatorEnv,
  INGEST_REDIS,
  loadCoordinatorEnv,
} from './config/env.schema';
import { PreflightService } from './preflight/preflight.service';
import { RunService } from './run/run.service';

const env = loadCoordinatorEnv();

/** What the CLI and the HTTP API share: config, Redis, the partitions queue and the run service. */
@Module({
  imports: [
    // A producer must not queue commands while Redis is away: fail fast instead.
    BullModule.forRoot({ connection: { url: env.REDIS_URL, enableOfflineQueue: false } }),
    BullModule.registerQueue({ name: QUEUE_NAMES.partitions }),
    // Read only: the loss accounting counts a run's entries in the gateways' DLQ.
    BullModule.registerQueue({
      name: QUEUE_NAMES.dlq,
      connection: { url: env.INGEST_REDIS_URL || env.REDIS_URL, enableOfflineQueue: false },
    }),
  ],
  providers: [
    { provide: COORDINATOR_ENV, useValue: env },
    {
      provide: COORDINATOR_REDIS,
      inject: [COORDINATOR_ENV],
      useFactory: (e: CoordinatorEnv) =>
        new Redis(e.REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 3000 }),
    },
    {
      provide: INGEST_REDIS,
      inject: [COORDINATOR_ENV],
      useFactory: (e: CoordinatorEnv) =>
        new Redis(e.INGEST_REDIS_URL || e.REDIS_URL, {
          maxRetriesPerRequest: 3,
          connectTimeout: 3000,
        }),
    },
    PreflightService,
    RunService,
  ],
  exports: [RunService, COORDINATOR_ENV, COORDINATOR_REDIS],
})
export class CoordinatorCoreModule {}
