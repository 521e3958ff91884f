import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { envNumber } from '@sousvide/shared-util';
import { type StorageEnv, tsWindowOf } from '@sousvide/ingest-storage';
import { backoffMsEnv } from '@sousvide/loadtest-contracts';
import { twoPerInterval } from '../batching/ingest-batcher';

/**
 * INGEST_BATCH_SPACING_MS's default (ADR 0052: at PR2's 10,000 msg/s 10 ms took 10-21 points of
 * a core off the ingest path against 5 ms; docs/benchmarks.md, "Batch spacing at PR2").
 */
const BATCH_SPACING_MS = 10;

/**
 * The least arrival rate (msg/s) at which starts are spaced, whatever the spacing: below it
 * every read starts at once. 400/s keeps the smoke's 200 msg/s clear of any wait at the 10 ms
 * default, where 2 messages per interval (ADR 0046's rule) would be 200/s (ADR 0052).
 */
const SPACING_MIN_RATE = 400;

/** Spacing applies from 2 messages per interval (ADR 0046) and never below SPACING_MIN_RATE. */
export function spacingMinRate(spacingMs: number): number {
  return spacingMs > 0 ? Math.max(SPACING_MIN_RATE, twoPerInterval(spacingMs)) : 0;
}

/**
 * The settings of the ingest pipeline, with their names and defaults; an app's env schema spreads
 * this next to `storageEnvShape` (as the gateway's does), so the pipeline's contract lives here.
 */
export const pipelineEnvShape = {
  /** The runbook's ingestion.influx.write-mode. */
  INGEST_INFLUX_WRITE_MODE: z.enum(['strict', 'bypass']).default('strict'),
  /**
   * Most messages per batch. There is no batching wait (group commit, ADR 0015): a batch starts as
   * soon as a slot is free and holds what arrived meanwhile, up to this many.
   */
  INGEST_BATCH_MAX: envNumber(z.number().int().min(1).max(50_000).default(2000)),
  /** Removed: a leftover setting fails the boot instead of silently meaning nothing. */
  INGEST_BATCH_MS: z
    .undefined({
      error: 'was removed: batches no longer wait for a timer (group commit, ADR 0015); unset it',
    })
    .optional(),
  /**
   * Messages waiting for a batch slot while the store is slow before the oldest are shed to the
   * DLQ (kind influx, SHED_BUFFER_FULL) unstored and acknowledged: bounds memory (~0.5 KiB per
   * message) and keeps the broker's queue from overflowing; loses nothing. Must be below what the
   * broker may have unacknowledged (connections x receive maximum), or it never engages.
   */
  INGEST_MAX_BUFFERED: envNumber(z.number().int().min(100).max(10_000_000).default(30_000)),
  /** Batches processed at once (overlaps Influx round trips). */
  INGEST_BATCH_CONCURRENCY: envNumber(z.number().int().min(1).max(16).default(2)),
  /**
   * Least ms between two batch starts while load is steady (ADR 0030): a batch that would start
   * sooner after the previous one waits out the rest and takes what arrived meanwhile; the first
   * after a quiet spell, a full batch and a drain start at once. Bounds batches per second (each
   * pays a store write and a Redis script) for at most this much added latency. It applies only
   * from 2 messages per interval (ADR 0046) and never below 400 msg/s (ADR 0052): below that rate
   * each read starts at once. 0: none.
   */
  INGEST_BATCH_SPACING_MS: envNumber(z.number().min(0).max(1000).default(BATCH_SPACING_MS)),
  FAILSAFE_MAX_TEMP_C: envNumber(z.number().default(95)),
  FAILSAFE_MIN_WATER: envNumber(z.number().min(0).max(1).default(0.1)),
  FAILSAFE_COOLDOWN_SEC: envNumber(z.number().int().min(1).default(60)),
  /** Older readings never raise a command (a redelivered backlog, ADR 0016); they are audited `stale`. */
  FAILSAFE_MAX_AGE_SEC: envNumber(z.number().int().min(1).default(60)),
  /** How long a decision waits for the cross-instance cooldown in Redis before deciding locally. */
  FAILSAFE_REDIS_TIMEOUT_MS: envNumber(z.number().int().min(10).max(10_000).default(250)),
  /** Each command publish waits this long for the broker's PUBACK before it counts as failed. */
  FAILSAFE_PUBLISH_TIMEOUT_MS: envNumber(z.number().int().min(100).max(60_000).default(2000)),
  /** Publish attempts per command (full-jitter backoff between them), then the cooldown is given back. */
  FAILSAFE_PUBLISH_ATTEMPTS: envNumber(z.number().int().min(1).max(20).default(5)),
  FAILSAFE_RETRY_BASE_MS: backoffMsEnv('baseMs', 100),
  FAILSAFE_RETRY_CAP_MS: backoffMsEnv('capMs', 2000),
  /** Hash-chained JSON lines, one per fail-safe decision; `audit verify <file>` checks it. */
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
      concurrency: env.INGEST_BATCH_CONCURRENCY,
      spacingMs: env.INGEST_BATCH_SPACING_MS,
      spacingMinRate: spacingMinRate(env.INGEST_BATCH_SPACING_MS),
      maxBuffered: env.INGEST_MAX_BUFFERED,
    },
    failsafe: {
      limits: {
        maxTempC: env.FAILSAFE_MAX_TEMP_C,
        minWater: env.FAILSAFE_MIN_WATER,
        maxAgeMs: env.FAILSAFE_MAX_AGE_SEC * 1000,
      },
      cooldownMs: env.FAILSAFE_COOLDOWN_SEC * 1000,
      redisTimeoutMs: env.FAILSAFE_REDIS_TIMEOUT_MS,
      delivery: {
        timeoutMs: env.FAILSAFE_PUBLISH_TIMEOUT_MS,
        attempts: env.FAILSAFE_PUBLISH_ATTEMPTS,
        backoff: { baseMs: env.FAILSAFE_RETRY_BASE_MS, capMs: env.FAILSAFE_RETRY_CAP_MS },
      },
      auditLogPath: env.AUDIT_LOG_PATH,
    },
    tsWindow: tsWindowOf(env),
    spool: { dir: join(env.SPOOL_DIR, env.GATEWAY_ID), maxBytes: env.SPOOL_MAX_BYTES },
    bypassInflux: env.INGEST_INFLUX_WRITE_MODE === 'bypass',
    gatewayId: env.GATEWAY_ID,
  };
}
