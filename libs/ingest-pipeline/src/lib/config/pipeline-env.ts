import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { StorageEnv } from '@sousvide/ingest-storage';

/**
 * The settings of the ingest pipeline, with their names and defaults; an app's env schema spreads
 * this next to `storageEnvShape` (as the gateway's does), so the pipeline's contract lives here.
 */
export const pipelineEnvShape = {
  /** The runbook's ingestion.influx.write-mode. */
  INGEST_INFLUX_WRITE_MODE: z.enum(['strict', 'bypass']).default('strict'),
  INGEST_BATCH_MAX: z.coerce.number().int().min(1).max(50_000).default(1000),
  INGEST_BATCH_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * Messages held while the store is slow before the oldest are shed to the DLQ (kind influx,
   * SHED_BUFFER_FULL) unstored: bounds memory (~0.5 KiB per message), loses nothing.
   */
  INGEST_MAX_BUFFERED: z.coerce.number().int().min(100).max(10_000_000).default(100_000),
  /** Batches processed at once (overlaps Influx round trips). */
  INGEST_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  FAILSAFE_MAX_TEMP_C: z.coerce.number().default(95),
  FAILSAFE_MIN_WATER: z.coerce.number().min(0).max(1).default(0.1),
  FAILSAFE_COOLDOWN_SEC: z.coerce.number().int().min(1).default(60),
  AUDIT_LOG_PATH: z.string().min(1).default('ingest-audit.jsonl'),
  /** Durable spool for failed messages while the DLQ (Redis) is unreachable; one dir per instance. */
  SPOOL_DIR: z.string().min(1).default('ingest-spool'),
  SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(256 * 1024 * 1024),
  /** Names this instance in DLQ entries, audit records and its spool directory. */
  GATEWAY_ID: z
    .string()
    .min(1)
    .default(() => `gw-${hostname()}-${process.pid}`),
} as const;

/** What the pipeline reads: the shared storage settings plus its own. */
export type PipelineEnv = StorageEnv & z.output<z.ZodObject<typeof pipelineEnvShape>>;

/** The pipeline's parts' settings, from the environment's names to the parts' own. */
export function pipelineSettings(env: PipelineEnv) {
  return {
    batcher: {
      maxBatch: env.INGEST_BATCH_MAX,
      maxWaitMs: env.INGEST_BATCH_MS,
      concurrency: env.INGEST_BATCH_CONCURRENCY,
      maxBuffered: env.INGEST_MAX_BUFFERED,
    },
    failsafe: {
      maxTempC: env.FAILSAFE_MAX_TEMP_C,
      minWater: env.FAILSAFE_MIN_WATER,
      cooldownMs: env.FAILSAFE_COOLDOWN_SEC * 1000,
      gatewayId: env.GATEWAY_ID,
      auditLogPath: env.AUDIT_LOG_PATH,
    },
    spool: { dir: join(env.SPOOL_DIR, env.GATEWAY_ID), maxBytes: env.SPOOL_MAX_BYTES },
    bypassInflux: env.INGEST_INFLUX_WRITE_MODE === 'bypass',
    gatewayId: env.GATEWAY_ID,
  };
}
