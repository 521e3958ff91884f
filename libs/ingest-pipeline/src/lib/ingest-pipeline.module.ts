import { type DynamicModule, Module, type OnApplicationShutdown, type Type } from '@nestjs/common';
import { DlqProducer } from '@sousvide/ingest-storage';
import type { PipelineEnv } from './config/pipeline-env';
import { ingestPipelineProviders } from './ingest-pipeline.providers';
import { CONTROL_PUBLISHER, type ControlPublisher } from './ingest.tokens';
import { IngestService } from './ingest.service';
import { IngestMetrics } from './ops/ingest-metrics';
import { IngestStorageModule } from './storage/ingest-storage.module';

export interface IngestPipelineModuleOptions {
  /** The app's validated environment (its schema spreads storage and pipeline env shapes). */
  env: PipelineEnv;
  /** Publishes fail-safe commands on the app's broker connection. */
  controlPublisher: Type<ControlPublisher>;
}

/**
 * The ingest pipeline for an app that consumes telemetry: batcher -> pipeline -> stores, DLQ with
 * its spool, fail-safe, counters and metrics. The app feeds {@link IngestService} and owns when it
 * starts and drains; it also gets the stores' Redis client (INGEST_REDIS) for its health check.
 */
@Module({})
export class IngestPipelineModule implements OnApplicationShutdown {
  constructor(private readonly dlq: DlqProducer) {}

  static register({ env, controlPublisher }: IngestPipelineModuleOptions): DynamicModule {
    const storage = IngestStorageModule.register({ env, redisProfile: 'ingest' });
    return {
      module: IngestPipelineModule,
      imports: [storage],
      providers: [
        { provide: CONTROL_PUBLISHER, useClass: controlPublisher },
        ...ingestPipelineProviders(env),
        IngestService,
      ],
      exports: [IngestService, IngestMetrics, storage],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dlq.close();
  }
}
