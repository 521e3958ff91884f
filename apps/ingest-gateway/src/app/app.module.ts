import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { IngestMetrics, IngestPipelineModule, IngestService } from '@sousvide/ingest-pipeline';
import { loggerModule, RedisClientsModule } from '@sousvide/platform';
import {
  GATEWAY_ENV,
  type GatewayEnv,
  loadGatewayEnv,
  subscriberSettings,
} from './config/env.schema';
import { GatewayService } from './gateway.service';
import { BrokerControlPublisher } from './mqtt/broker-control.publisher';
import { TelemetrySubscriber } from './mqtt/telemetry-subscriber';
import { OpsController } from './ops/ops.controller';

/**
 * The gateway: MQTT consumers feeding the ingest pipeline, and the ops port. Built by main.ts;
 * `register` reads and validates the environment then, so a bad value fails before anything
 * connects, with a message naming the variable.
 */
@Module({})
export class AppModule {
  static register(env: GatewayEnv = loadGatewayEnv()): DynamicModule {
    const logger = new Logger('TelemetrySubscriber');
    return {
      module: AppModule,
      imports: [
        loggerModule(env.LOG_LEVEL),
        TerminusModule,
        RedisClientsModule,
        IngestPipelineModule.register({ env, controlPublisher: BrokerControlPublisher }),
      ],
      controllers: [OpsController],
      providers: [
        { provide: GATEWAY_ENV, useValue: env },
        {
          provide: TelemetrySubscriber,
          inject: [IngestService, IngestMetrics],
          useFactory: (ingest: IngestService, metrics: IngestMetrics) =>
            new TelemetrySubscriber({
              ...subscriberSettings(env),
              onMessage: (m) => ingest.take(m),
              onReconnected: () => metrics.mqttReconnects.inc(),
              log: (obj, msg) => logger.warn(obj, msg),
            }),
        },
        GatewayService,
      ],
    };
  }
}
