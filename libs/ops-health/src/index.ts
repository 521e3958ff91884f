export * from './lib/redis-health';
export * from './lib/redis-preflight';
