export * from './lib/redis/redis-profiles';
export * from './lib/redis/redis-options';
export * from './lib/redis/redis-client.factory';
export * from './lib/redis/redis-clients.module';
export * from './lib/redis/redis-health';
export * from './lib/redis/redis-preflight';
export * from './lib/nest/nest-wiring';
export * from './lib/redis/redis-health.controller';
