import { type DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TerminusModule } from '@nestjs/terminus';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import {
  bullConnection,
  HEALTH_REDIS,
  loggerModule,
  METRICS_REGISTRY,
  MetricsController,
  RedisClientFactory,
  RedisClientsModule,
  RedisHealthController,
} from '@sousvide/platform';
import {
  AGENT_ENV,
  AGENT_SECURITY,
  agentSecurity,
  type AgentEnv,
  loadAgentEnv,
} from './config/env.schema';
import { AgentMetrics } from './metrics/agent-metrics';
import { PartitionProcessor } from './worker/partition.processor';
import { AGENT_REDIS } from './worker/worker.constants';

/** The agent: a BullMQ worker on the partitions queue, /health and /metrics. `register` validates the environment. */
@Module({})
export class AppModule {
  static register(env: AgentEnv = loadAgentEnv()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        loggerModule(env.LOG_LEVEL),
        RedisClientsModule,
        BullModule.forRootAsync(bullConnection('queueWorker', env.REDIS_URL)),
        BullModule.registerQueue({ name: QUEUE_NAMES.partitions }),
        TerminusModule,
      ],
      // Served only with an OPS_PORT (compose's agents); local per-partition agents have none.
      controllers: [RedisHealthController, MetricsController],
      providers: [
        { provide: AGENT_ENV, useValue: env },
        // TLS files are read and checked here, at boot: a bad one stops the agent, naming it.
        { provide: AGENT_SECURITY, useValue: agentSecurity(env) },
        {
          provide: AGENT_REDIS,
          inject: [RedisClientFactory],
          useFactory: (clients: RedisClientFactory) => clients.create('command', env.REDIS_URL),
        },
        { provide: HEALTH_REDIS, useExisting: AGENT_REDIS },
        { provide: AgentMetrics, useValue: new AgentMetrics() },
        {
          provide: METRICS_REGISTRY,
          inject: [AgentMetrics],
          useFactory: (m: AgentMetrics) => m.registry,
        },
        PartitionProcessor,
      ],
    };
  }
}
