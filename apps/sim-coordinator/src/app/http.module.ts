import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  HEALTH_REDIS,
  METRICS_REGISTRY,
  MetricsController,
  RedisHealthController,
} from '@sousvide/platform';
import { COORDINATOR_REDIS, type CoordinatorEnv } from './config/env.schema';
import { CoordinatorCoreModule } from './coordinator-core.module';
import { coordinatorMetrics } from './http/coordinator-metrics';
import { DashboardController } from './http/dashboard.controller';
import { LiveRuns } from './http/live-runs';
import { RunRegistry } from './http/run.registry';
import { RunsController } from './http/runs.controller';

/** `serve`: the HTTP API on the ops port, with /health and /metrics. */
@Module({})
export class HttpModule {
  static register(env: CoordinatorEnv): DynamicModule {
    return {
      module: HttpModule,
      imports: [CoordinatorCoreModule.register(env, 'info'), TerminusModule],
      controllers: [RunsController, DashboardController, RedisHealthController, MetricsController],
      providers: [
        RunRegistry,
        { provide: LiveRuns, useValue: new LiveRuns() },
        { provide: HEALTH_REDIS, useExisting: COORDINATOR_REDIS },
        {
          provide: METRICS_REGISTRY,
          inject: [RunRegistry, LiveRuns],
          useFactory: (registry: RunRegistry, live: LiveRuns) =>
            coordinatorMetrics({
              runs: () => registry.list(),
              lastRow: (runId) => live.lastRow(runId),
            }),
        },
      ],
    };
  }
}
