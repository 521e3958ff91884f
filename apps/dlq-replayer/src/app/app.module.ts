import { type DynamicModule, Module } from '@nestjs/common';
import { DlqReplayModule } from '@sousvide/ingest-pipeline';
import { loggerModule, RedisClientsModule } from '@sousvide/platform';
import { REDIS_CLIENT, serviceAccess } from '@sousvide/security';
import { loadReplayerEnv, type ReplayerEnv } from './config/env.schema';

/**
 * Root module of the one-shot command: the logger and the Redis clients' factory around the DLQ
 * replay of libs/ingest-pipeline. main builds it after validating the environment and checking
 * that Redis answers.
 */
@Module({})
export class AppModule {
  static register(env: ReplayerEnv = loadReplayerEnv()): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Logs go to stderr: stdout is reserved for the report (`--json` must parse as-is).
        loggerModule(env.LOG_LEVEL, process.stderr),
        RedisClientsModule.withAccess(serviceAccess(env, REDIS_CLIENT, env.REDIS_URL)),
        DlqReplayModule.register(env),
      ],
    };
  }
}
