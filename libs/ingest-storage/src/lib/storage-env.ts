import { z } from 'zod';
import { envNumber, redisUrlSchema } from '@sousvide/shared-util';
import {
  addServiceClientIssues,
  credentialEnvShape,
  INFLUX_CLIENT,
  REDIS_CLIENT,
  secretEnvShape,
  tlsEnvShape,
} from '@sousvide/security';
import type { TsWindow } from '@sousvide/telemetry-schema';

/**
 * The storage settings that are secrets: no default, and each may come from the file named by
 * `<name>_FILE`. `INFLUX_TOKEN` is required; `REDIS_PASSWORD` only when Redis asks for one. An
 * app's schema that spreads {@link storageEnvShape} must be wrapped in
 * `withSecretFiles(STORAGE_SECRETS, ...)` and refined with {@link addStorageEnvIssues}
 * (docs/adr/0031-secrets-from-files.md, 0033-service-credentials-and-tls.md).
 */
export const STORAGE_SECRETS = ['INFLUX_TOKEN', 'REDIS_PASSWORD'] as const;

/**
 * The storage settings every ingest process shares (gateway, replayer), with one set of names
 * and defaults so one env file drives them all.
 */
export const storageEnvShape = {
  REDIS_URL: redisUrlSchema(),
  /**
   * Redis ACL user and password (`REDIS_PASSWORD_FILE` names a file holding it), and for
   * `rediss://` the CA (and client certificate) files `REDIS_TLS_{CA,CERT,KEY}_FILE`.
   */
  ...credentialEnvShape('REDIS'),
  INFLUX_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8428'),
  /** For `https://`: `INFLUX_TLS_CA_FILE` (and a client certificate's `_CERT_FILE`, `_KEY_FILE`). */
  ...tlsEnvShape('INFLUX'),
  /**
   * Sent as `Authorization: Token <it>` on every write. Required (VictoriaMetrics ignores it, any
   * non-blank value works there); `INFLUX_TOKEN_FILE` names a file holding it instead.
   */
  ...secretEnvShape(['INFLUX_TOKEN']),
  INFLUX_ORG: z.string().min(1).default('sousvide'),
  INFLUX_BUCKET: z.string().min(1).default('telemetry'),
  INFLUX_TIMEOUT_MS: envNumber(z.number().int().min(100).default(5000)),
  /** Gzip write bodies above this size; unset: never towards a loopback store, else 1000. */
  INFLUX_GZIP_THRESHOLD_BYTES: envNumber(z.number().int().min(0).optional()),
  /** How long one batch keeps retrying a failing Influx before its messages go to the DLQ. */
  INFLUX_RETRY_BUDGET_MS: envNumber(z.number().int().min(0).default(15_000)),
  /** Most retries of one batch; unset: no count, the budget above alone ends a batch (ADR 42). */
  INFLUX_MAX_RETRIES: envNumber(z.number().int().min(0).optional()),
  /** How long a stored message's identity is remembered (ADR 0005: at least the DLQ retention). */
  IDEMPOTENCY_TTL_SEC: envNumber(z.number().int().min(60).default(86_400)),
  /**
   * How far a reading's `ts` may lie before / after its receipt (a replay measures from when the
   * entry was dead-lettered). Outside: a parse failure TS_OUT_OF_WINDOW, dead-lettered.
   */
  INGEST_TS_MAX_AGE_SEC: envNumber(z.number().int().min(1).default(86_400)),
  INGEST_TS_MAX_AHEAD_SEC: envNumber(z.number().int().min(0).default(300)),
} as const;

/**
 * The rules across storage variables, for the app schema's `superRefine`: a Redis user without a
 * password, a password both inside REDIS_URL and in REDIS_PASSWORD, TLS files next to a plain URL,
 * an unreadable or invalid TLS file; each names its variable, never a secret.
 */
export function addStorageEnvIssues(env: Record<string, unknown>, ctx: z.RefinementCtx): void {
  addServiceClientIssues(env, ctx, REDIS_CLIENT);
  addServiceClientIssues(env, ctx, INFLUX_CLIENT);
}

/** The validated storage settings, as every app's env schema that spreads {@link storageEnvShape} yields them. */
export type StorageEnv = z.output<z.ZodObject<typeof storageEnvShape>>;

/** The accepted `ts` window of a reading around its receipt, from the shared settings. */
export function tsWindowOf(env: StorageEnv): TsWindow {
  return {
    maxAgeMs: env.INGEST_TS_MAX_AGE_SEC * 1000,
    maxAheadMs: env.INGEST_TS_MAX_AHEAD_SEC * 1000,
  };
}
