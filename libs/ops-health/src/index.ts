export * from './lib/redis-health';
export * from './lib/redis-preflight';
export * from './lib/dlq-census';
