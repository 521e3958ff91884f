export * from './lib/ingest.tokens';
export * from './lib/config/pipeline-env';
export * from './lib/ingest-pipeline.module';
export * from './lib/ingest.service';
export * from './lib/storage/ingest-storage.module';
export * from './lib/storage/message-storage';
export * from './lib/pipeline/raw-message';
export * from './lib/ops/ingest-metrics';
