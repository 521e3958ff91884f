export * from './lib/run-accounting.constants';
export * from './lib/ingest-snapshot';
export * from './lib/run-counters.store';
export * from './lib/dlq-census';
export * from './lib/gateway-held';
