import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { REDACTED, redactText } from '@sousvide/security';
import { RedisClientFactory } from '../redis/redis-client.factory';
import type { RedisProfile } from '../redis/redis-profiles';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Request headers that carry credentials. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/** What pino-http's standard request serializer makes of a request. */
export interface LoggedRequest {
  url?: string;
  query?: unknown;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The request as a log line shows it: credential headers and credential query parameters masked,
 * the query object left out (the masked url has it). pino-http adds the request to every line
 * logged while serving it, so without this a refused bearer token would be logged whole.
 */
export function loggedRequest(req: LoggedRequest): LoggedRequest {
  const headers = { ...req.headers };
  for (const name of CREDENTIAL_HEADERS) {
    if (headers[name] !== undefined) {
      headers[name] = REDACTED;
    }
  }
  const logged: LoggedRequest = { ...req, headers };
  delete logged.query;
  if (req.url !== undefined) {
    logged.url = redactText(req.url);
  }
  return logged;
}

/**
 * Every app's structured logger: pino at `level`, no per-request lines, no credentials of a
 * request in the lines logged while serving it. A one-shot command that prints its result on
 * stdout passes process.stderr for the logs.
 */
export function loggerModule(level: LogLevel, destination?: NodeJS.WritableStream): DynamicModule {
  const options = { level, autoLogging: false, serializers: { req: loggedRequest } };
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
