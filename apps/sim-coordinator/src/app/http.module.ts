import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HEALTH_REDIS, RedisHealthController } from '@sousvide/platform';
import { COORDINATOR_REDIS, type CoordinatorEnv } from './config/env.schema';
import { CoordinatorCoreModule } from './coordinator-core.module';
import { DashboardController } from './http/dashboard.controller';
import { LiveRuns } from './http/live-runs';
import { RunRegistry } from './http/run.registry';
import { RunsController } from './http/runs.controller';

/** `serve`: the HTTP API on the ops port. */
@Module({})
export class HttpModule {
  static register(env: CoordinatorEnv): DynamicModule {
    return {
      module: HttpModule,
      imports: [CoordinatorCoreModule.register(env, 'info'), TerminusModule],
      controllers: [RunsController, DashboardController, RedisHealthController],
      providers: [
        RunRegistry,
        { provide: LiveRuns, useValue: new LiveRuns() },
        { provide: HEALTH_REDIS, useExisting: COORDINATOR_REDIS },
      ],
    };
  }
}
