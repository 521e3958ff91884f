import { z } from 'zod';

const url = (protocols: RegExp) => z.url({ protocol: protocols });

/**
 * The replayer's environment, validated once at start. Names and defaults match the gateway's
 * (apps/ingest-gateway/src/app/config/env.schema.ts) so one env file drives both.
 */
export const replayerEnvSchema = z.object({
  REDIS_URL: url(/^rediss?$/).default('redis://127.0.0.1:6379'),
  INFLUX_URL: url(/^https?$/).default('http://127.0.0.1:8428'),
  INFLUX_TOKEN: z.string().default(''),
  INFLUX_ORG: z.string().min(1).default('sousvide'),
  INFLUX_BUCKET: z.string().min(1).default('telemetry'),
  INFLUX_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** Budget of one Influx batch's retries: a replay should fail an entry fast, not wait 15 s. */
  INFLUX_RETRY_BUDGET_MS: z.coerce.number().int().min(0).default(3000),
  /** Stdout carries the report, so logs (on stderr) stay quiet unless asked for. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('warn'),
});

export type ReplayerEnv = z.infer<typeof replayerEnvSchema>;

export function loadReplayerEnv(env: NodeJS.ProcessEnv = process.env): ReplayerEnv {
  const result = replayerEnvSchema.safeParse(env);
  if (!result.success) {
    const detail = result.error.issues
      .map(
        (i) =>
          `${i.path.join('.')}: ${i.path.length && env[String(i.path[0])] === undefined ? 'is required' : i.message}`,
      )
      .join('; ');
    throw new Error(`invalid dlq-replayer configuration: ${detail}`);
  }
  return result.data;
}

export const REPLAYER_ENV = Symbol('REPLAYER_ENV');
export const REPLAYER_REDIS = Symbol('REPLAYER_REDIS');
export const REPLAYER_DLQ_QUEUE = Symbol('REPLAYER_DLQ_QUEUE');
