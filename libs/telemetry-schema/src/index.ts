export * from './lib/telemetry-schema';
