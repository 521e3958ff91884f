import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  HEALTH_REDIS,
  METRICS_REGISTRY,
  MetricsController,
  RedisHealthController,
} from '@sousvide/platform';
import { COORDINATOR_REDIS, type CoordinatorEnv } from './config/env.schema';
import { CoordinatorCoreModule } from './coordinator-core.module';
import { ApiTokenGuard } from './http/auth/api-token.guard';
import { API_TOKEN, DashboardSessionController } from './http/auth/dashboard-login';
import { coordinatorMetrics } from './http/coordinator-metrics';
import { DashboardController } from './http/dashboard.controller';
import { LiveRuns } from './http/live-runs';
import { RunRegistry } from './http/run.registry';
import { RunsController } from './http/runs.controller';

/**
 * `serve`: the HTTP API on the ops port, with /health and /metrics. Every route needs the bearer
 * `token` but /health (probes), /metrics (Prometheus, like every ops port here) and the dashboard's
 * login form; the dashboard's pages also take the cookie that form sets (ADR 0029).
 */
@Module({})
export class HttpModule {
  static register(env: CoordinatorEnv, token: string): DynamicModule {
    return {
      module: HttpModule,
      imports: [CoordinatorCoreModule.register(env, 'info'), TerminusModule],
      controllers: [
        RunsController,
        DashboardSessionController,
        DashboardController,
        RedisHealthController,
        MetricsController,
      ],
      providers: [
        { provide: API_TOKEN, useValue: token },
        {
          provide: APP_GUARD,
          useValue: new ApiTokenGuard({
            token,
            open: [RedisHealthController, MetricsController, DashboardSessionController],
            cookie: [DashboardController],
          }),
        },
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
