import { Global, Module } from '@nestjs/common';
import { RedisClientFactory } from './redis-client.factory';

/**
 * Makes {@link RedisClientFactory} available to every module of an app. Global, so its shutdown
 * hook runs after every other module's: the clients it closes outlive their users.
 */
@Global()
@Module({ providers: [RedisClientFactory], exports: [RedisClientFactory] })
export class RedisClientsModule {}
