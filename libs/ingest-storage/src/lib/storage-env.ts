import { z } from 'zod';

/**
 * The storage settings every ingest process shares (gateway, replayer), with one set of names
 * and defaults so one env file drives them all.
 */
export const storageEnvShape = {
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  INFLUX_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8428'),
  INFLUX_TOKEN: z.string().default(''),
  INFLUX_ORG: z.string().min(1).default('sousvide'),
  INFLUX_BUCKET: z.string().min(1).default('telemetry'),
  INFLUX_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
} as const;
