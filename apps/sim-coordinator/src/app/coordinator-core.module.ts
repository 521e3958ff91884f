import { type DynamicModule, Module } from '@nestjs/common';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import {
  bullConnection,
  loggerModule,
  type LogLevel,
  RedisClientFactory,
  RedisClientsModule,
} from '@sousvide/platform';
import { DeviceSequences, RunCounters } from '@sousvide/run-accounting';
import {
  brokerProbeLogin,
  COORDINATOR_ENV,
  COORDINATOR_REDIS,
  type CoordinatorEnv,
  INGEST_REDIS,
} from './config/env.schema';
import { parseCpuComponents } from './cpu-budget/cpu-components';
import { CpuBudgetSampler } from './cpu-budget/cpu-sampler';
import { PreflightService } from './preflight/preflight.service';
import { ArtifactsWriter } from './run/artifacts.writer';
import { AttemptSupervisor } from './run/attempt-supervisor';
import { BackendLog } from './run/backend-log';
import { BusinessSummaryCollector } from './run/business-summary.collector';
import { LocalAgentPool } from './run/local-agent-pool';
import { RunService } from './run/run.service';
import { SeriesRecorder } from './series/series.recorder';

/**
 * What the CLI and the HTTP API share: the simulator's Redis (BullMQ, barrier), the backend's
 * Redis (the gateways' counters and DLQ: INGEST_REDIS_URL, else the same), and the run service
 * with its parts, each built from the validated environment passed in.
 */
@Module({})
export class CoordinatorCoreModule {
  /** `logLevel`: warn for the CLI (its output is the progress and the table), info for serve. */
  static register(env: CoordinatorEnv, logLevel: LogLevel): DynamicModule {
    const ingestUrl = env.INGEST_REDIS_URL || env.REDIS_URL;
    return {
      module: CoordinatorCoreModule,
      imports: [
        loggerModule(logLevel),
        RedisClientsModule,
        // A producer must not queue commands while Redis is away: fail fast instead.
        BullModule.forRootAsync(bullConnection('producer', env.REDIS_URL)),
        BullModule.registerQueue({ name: QUEUE_NAMES.partitions }),
        // Read only: the loss accounting counts a run's entries in the gateways' DLQ.
        BullModule.registerQueueAsync({
          name: QUEUE_NAMES.dlq,
          ...bullConnection('producer', ingestUrl),
        }),
      ],
      providers: [
        { provide: COORDINATOR_ENV, useValue: env },
        {
          provide: COORDINATOR_REDIS,
          inject: [RedisClientFactory],
          useFactory: (clients: RedisClientFactory) => clients.create('command', env.REDIS_URL),
        },
        {
          provide: INGEST_REDIS,
          inject: [RedisClientFactory],
          useFactory: (clients: RedisClientFactory) => clients.create('command', ingestUrl),
        },
        {
          provide: RunCounters,
          inject: [INGEST_REDIS],
          useFactory: (redis: Redis) => new RunCounters(redis),
        },
        {
          provide: BusinessSummaryCollector,
          inject: [RunCounters, getQueueToken(QUEUE_NAMES.dlq), INGEST_REDIS],
          useFactory: (counters: RunCounters, dlq: Queue, redis: Redis) =>
            new BusinessSummaryCollector(
              counters,
              dlq,
              redis,
              env.BROKER_SYS_TIMEOUT_SEC * 1000,
              new DeviceSequences(redis),
              () => brokerProbeLogin(env),
            ),
        },
        {
          provide: AttemptSupervisor,
          inject: [getQueueToken(QUEUE_NAMES.partitions), COORDINATOR_REDIS],
          useFactory: (queue: Queue, redis: Redis) => new AttemptSupervisor(queue, redis),
        },
        { provide: ArtifactsWriter, useValue: new ArtifactsWriter(env.ARTIFACTS_DIR) },
        { provide: LocalAgentPool, useValue: new LocalAgentPool(env.AGENT_ENTRY, env.REDIS_URL) },
        { provide: BackendLog, useValue: new BackendLog(env.BACKEND_LOG_CMD) },
        {
          provide: CpuBudgetSampler,
          useValue: new CpuBudgetSampler(parseCpuComponents(env.CPU_BUDGET)),
        },
        {
          provide: SeriesRecorder,
          inject: [BusinessSummaryCollector],
          useFactory: (ingest: BusinessSummaryCollector) => new SeriesRecorder(ingest),
        },
        PreflightService,
        RunService,
      ],
      exports: [RunService, COORDINATOR_ENV, COORDINATOR_REDIS],
    };
  }
}
