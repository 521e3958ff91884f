export * from './lib/redis-health';
