import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import Redis from 'ioredis';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import { AGENT_ENV, AgentEnv, loadAgentEnv } from './config/env.schema';
import { HealthController } from './health.controller';
import { PartitionProcessor } from './worker/partition.processor';
import { AGENT_REDIS } from './worker/worker.constants';

const env = loadAgentEnv();

@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: env.LOG_LEVEL, autoLogging: false } }),
    BullModule.forRoot({
      connection: { url: env.REDIS_URL, maxRetriesPerRequest: null },
    }),
    BullModule.registerQueue({ name: QUEUE_NAMES.partitions }),
    TerminusModule,
  ],
  controllers: [HealthController],
  providers: [
    { provide: AGENT_ENV, useValue: env },
    {
      provide: AGENT_REDIS,
      inject: [AGENT_ENV],
      useFactory: (e: AgentEnv) =>
        new Redis(e.REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 3000 }),
    },
    PartitionProcessor,
  ],
})
export class AppModule {}
