import { z } from 'zod';
import { envNumber, parseEnvConfig } from '@sousvide/shared-util';
import { addStorageEnvIssues, STORAGE_SECRETS, storageEnvShape } from '@sousvide/ingest-storage';
import { withSecretFiles } from '@sousvide/security';

/**
 * The replayer's environment, validated once at start. Names and defaults match the gateway's
 * (apps/ingest-gateway/src/app/config/env.schema.ts) so one env file drives both; so do
 * `INFLUX_TOKEN_FILE`, `REDIS_USERNAME`, `REDIS_PASSWORD(_FILE)` and the TLS file variables.
 */
export const replayerEnvSchema = withSecretFiles(
  STORAGE_SECRETS,
  z
    .object({
      ...storageEnvShape,
      /** Budget of one Influx batch's retries: a replay should fail an entry fast, not wait 15 s. */
      INFLUX_RETRY_BUDGET_MS: envNumber(z.number().int().min(0).default(3000)),
      /** Stdout carries the report, so logs (on stderr) stay quiet unless asked for. */
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('warn'),
    })
    .superRefine(addStorageEnvIssues),
);

export type ReplayerEnv = z.infer<typeof replayerEnvSchema>;

export function loadReplayerEnv(env: NodeJS.ProcessEnv = process.env): ReplayerEnv {
  return parseEnvConfig(replayerEnvSchema, env, 'dlq-replayer');
}
