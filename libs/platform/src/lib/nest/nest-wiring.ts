import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { RedisClientFactory } from '../redis/redis-client.factory';
import type { RedisProfile } from '../redis/redis-profiles';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Every app's structured logger: pino at `level`, no per-request lines. A one-shot command that
 * prints its result on stdout passes process.stderr for the logs.
 */
export function loggerModule(level: LogLevel, destination?: NodeJS.WritableStream): DynamicModule {
  const options = { level, autoLogging: false };
  return LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options });
}

/**
 * Async BullMQ module options (forRootAsync, registerQueueAsync) whose connection has a Redis
 * profile's options; BullMQ then makes and closes its own connections.
 */
export function bullConnection(profile: RedisProfile, url: string) {
  return {
    inject: [RedisClientFactory],
    useFactory: (clients: RedisClientFactory) => ({ connection: clients.connection(profile, url) }),
  };
}
