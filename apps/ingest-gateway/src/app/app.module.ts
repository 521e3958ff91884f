import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import Redis from 'ioredis';
import { GATEWAY_ENV, GATEWAY_REDIS, GatewayEnv, loadGatewayEnv } from './config/env.schema';
import { GatewayService } from './gateway.service';
import { OpsController } from './ops/ops.controller';

/** Root module: built by main.ts after the environment has been validated. */
@Module({})
export class AppModule {
  static register(env: GatewayEnv = loadGatewayEnv()) {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: { level: env.LOG_LEVEL, autoLogging: false } }),
        TerminusModule,
      ],
      controllers: [OpsController],
      providers: [
        { provide: GATEWAY_ENV, useValue: env },
        {
          provide: GATEWAY_REDIS,
          useFactory: () =>
            // Heartbeats fail fast while Redis is away (counted and DLQ'd) instead of piling up.
            new Redis(env.REDIS_URL, {
              lazyConnect: true,
              maxRetriesPerRequest: 1,
              enableOfflineQueue: false,
              connectTimeout: 3000,
              commandTimeout: 3000,
            }),
        },
        GatewayService,
      ],
    };
  }
}
