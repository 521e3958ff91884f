export * from './lib/telemetry.schema';
export * from './lib/telemetry-parse.error';
export * from './lib/telemetry.codec';
export * from './lib/telemetry-delivery';
export * from './lib/topics';
export * from './lib/run-key';
