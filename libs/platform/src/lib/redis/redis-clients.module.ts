import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { ServiceAccess } from '@sousvide/security';
import { REDIS_ACCESS, RedisClientFactory } from './redis-client.factory';

/**
 * Makes {@link RedisClientFactory} available to every module of an app. Global, so its shutdown
 * hook runs after every other module's: the clients it closes outlive their users. Imported as
 * it is, the factory reads the Redis credentials and TLS files from the process environment;
 * {@link RedisClientsModule.withAccess} hands it those of an app's validated environment.
 */
@Global()
@Module({ providers: [RedisClientFactory], exports: [RedisClientFactory] })
export class RedisClientsModule {
  static withAccess(access: ServiceAccess): DynamicModule {
    return {
      module: RedisClientsModule,
      providers: [{ provide: REDIS_ACCESS, useValue: access }, RedisClientFactory],
      exports: [RedisClientFactory],
    };
  }
}
