import { randomUUID } from 'node:crypto';
import { type DynamicModule, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { DlqProducer } from '@sousvide/ingest-storage';
import type { PipelineEnv } from './config/pipeline-env';
import { ingestPipelineProviders } from './ingest-pipeline.providers';
import { CONTROL_PUBLISHER, GATEWAY_INSTANCE, type ControlPublisher } from './ingest.tokens';
import { IngestService } from './ingest.service';
import { GatewayLiveness, type GatewayInstance } from './liveness/gateway-liveness';
import { IngestMetrics } from './ops/ingest-metrics';
import { IngestStorageModule } from './storage/ingest-storage.module';

export interface IngestPipelineModuleOptions {
  /** The app's validated environment (its schema spreads storage and pipeline env shapes). */
  env: PipelineEnv;
  /** Publishes fail-safe commands on the app's broker connection (a class, or the instance). */
  controlPublisher: Type<ControlPublisher> | ControlPublisher;
  /** Broker sessions this instance keeps, registered so a surviving gateway can adopt them. */
  sessions?: number;
}

/**
 * The ingest pipeline for an app that consumes telemetry: batcher -> pipeline -> stores, DLQ with
 * its spool, fail-safe, counters and metrics. The app feeds {@link IngestService} and owns when it
 * starts and drains; it also gets the stores' Redis client (INGEST_REDIS) for its health check.
 */
@Module({})
export class IngestPipelineModule implements OnApplicationShutdown {
  constructor(private readonly dlq: DlqProducer) {}

  static register({ env, controlPublisher, sessions }: IngestPipelineModuleOptions): DynamicModule {
    // One per process start: liveness and delta ids name it, so a restart under the same
    // GATEWAY_ID is told apart from the process it replaces (ADR 0015).
    const instance: GatewayInstance = {
      gatewayId: env.GATEWAY_ID,
      incarnation: randomUUID(),
      ...(sessions ? { sessions } : {}),
    };
    const storage = IngestStorageModule.register({ env, redisProfile: 'ingest' });
    return {
      module: IngestPipelineModule,
      imports: [storage],
      providers: [
        typeof controlPublisher === 'function'
          ? { provide: CONTROL_PUBLISHER, useClass: controlPublisher }
          : { provide: CONTROL_PUBLISHER, useValue: controlPublisher },
        { provide: GATEWAY_INSTANCE, useValue: instance },
        ...ingestPipelineProviders(env),
        IngestService,
      ],
      exports: [IngestService, IngestMetrics, GatewayLiveness, GATEWAY_INSTANCE, storage],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dlq.close();
  }
}
