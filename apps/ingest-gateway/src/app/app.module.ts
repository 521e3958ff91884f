import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import {
  GATEWAY_INSTANCE,
  INGEST_REDIS,
  IngestMetrics,
  IngestPipelineModule,
  IngestService,
  type GatewayInstance,
} from '@sousvide/ingest-pipeline';
import {
  loggerModule,
  METRICS_REGISTRY,
  MetricsController,
  RedisClientsModule,
} from '@sousvide/platform';
import {
  consumerSettings,
  GATEWAY_ENV,
  type GatewayEnv,
  loadGatewayEnv,
} from './config/env.schema';
import { REDIS_CLIENT, serviceAccess } from '@sousvide/security';
import { GatewayService } from './gateway.service';
import { MqttControlPublisher } from './mqtt/control-publisher';
import { SessionAdopter } from './mqtt/session-adopter';
import { TelemetryConsumers } from './mqtt/telemetry-consumers';
import { OpsController } from './ops/ops.controller';

/**
 * The gateway: MQTT consumers feeding the ingest pipeline, the fail-safe publisher, the adopter
 * of dead gateways' sessions, and the ops port. Built by main.ts; `register` reads and validates
 * the environment then, so a bad value fails before anything connects, naming the variable.
 */
@Module({})
export class AppModule {
  static register(env: GatewayEnv = loadGatewayEnv()): DynamicModule {
    const logger = new Logger('TelemetryConsumers');
    const log = (obj: Record<string, unknown>, msg: string): void => logger.warn(obj, msg);
    const settings = consumerSettings(env);
    const control = new MqttControlPublisher(settings.broker, `${env.GATEWAY_ID}-control`);
    return {
      module: AppModule,
      imports: [
        loggerModule(env.LOG_LEVEL),
        TerminusModule,
        RedisClientsModule.withAccess(serviceAccess(env, REDIS_CLIENT, env.REDIS_URL)),
        IngestPipelineModule.register({
          env,
          controlPublisher: control,
          sessions: env.INGEST_MQTT_CONNECTIONS,
        }),
      ],
      controllers: [OpsController, MetricsController],
      providers: [
        { provide: GATEWAY_ENV, useValue: env },
        { provide: MqttControlPublisher, useValue: control },
        {
          provide: METRICS_REGISTRY,
          inject: [IngestMetrics],
          useFactory: (metrics: IngestMetrics) => metrics.registry,
        },
        {
          provide: TelemetryConsumers,
          inject: [IngestService, IngestMetrics],
          useFactory: (ingest: IngestService, metrics: IngestMetrics) =>
            new TelemetryConsumers({
              ...settings,
              onDeliveries: (deliveries) => ingest.take(deliveries),
              onEvent: (connection, event) => {
                switch (event.type) {
                  case 'connected':
                    if (event.awayMs !== undefined) {
                      metrics.mqttReconnects.inc();
                      log({ connection, ...event }, 'mqtt reconnected');
                    }
                    break;
                  case 'lost':
                    log(
                      { connection, err: event.error.message, unacked: event.unackedDropped },
                      'mqtt connection lost',
                    );
                    break;
                  case 'connect-failed':
                  case 'subscribe-failed':
                    log({ connection, type: event.type, err: event.error.message }, 'mqtt');
                    break;
                  case 'handler-error':
                    log({ connection, err: String(event.error) }, 'delivery handler failed');
                    break;
                  case 'subscribed':
                    break;
                }
              },
            }),
        },
        {
          provide: SessionAdopter,
          inject: [INGEST_REDIS, GATEWAY_INSTANCE, IngestService],
          useFactory: (redis: Redis, self: GatewayInstance, ingest: IngestService) =>
            new SessionAdopter({
              redis,
              self,
              consumer: settings,
              take: (deliveries) => ingest.take(deliveries),
              log,
            }),
        },
        GatewayService,
      ],
    };
  }
}
