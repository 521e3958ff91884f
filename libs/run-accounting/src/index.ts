export * from './lib/run-accounting.constants';
export * from './lib/ingest-snapshot';
export * from './lib/run-counters.store';
export * from './lib/dlq-census';
export * from './lib/device-sequence';
export * from './lib/device-sequences.store';
export * from './lib/device-summary';
export * from './lib/gateway-held';
