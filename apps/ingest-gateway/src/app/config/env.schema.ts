import { hostname } from 'node:os';
import { z } from 'zod';
import { backoffMsEnv, parseEnvConfig } from '@sousvide/loadtest-contracts';
import { storageEnvShape } from '@sousvide/ingest-storage';

const url = (protocols: RegExp) => z.url({ protocol: protocols });

/** The gateway's environment, validated once at boot; a bad value names its variable. */
export const gatewayEnvSchema = z
  .object({
    ...storageEnvShape,
    MQTT_URL: url(/^(mqtt|mqtts|tcp)$/),
    /** The runbook's ingestion.influx.write-mode. */
    INGEST_INFLUX_WRITE_MODE: z.enum(['strict', 'bypass']).default('strict'),
    /** MQTT connections this instance opens to the shared subscription. */
    INGEST_MQTT_CONNECTIONS: z.coerce.number().int().min(1).max(64).default(2),
    /**
     * `shared` (default): the MQTT 5 shared subscription, any number of connections and instances.
     * `exclusive`: a plain persistent subscription for a single gateway with one connection. With
     * broker persistence it survives a broker restart, which Mosquitto 2.0 does not do for shared
     * subscriptions, so nothing published before the gateway reconnects is dropped (docs/chaos.md).
     */
    INGEST_MQTT_SUBSCRIPTION: z.enum(['shared', 'exclusive']).default('shared'),
    /**
     * Reconnect backoff (full jitter) of the gateway's connections. Shorter than the devices'
     * (500 ms..15 s): a handful of connections make no herd, and until the gateway has subscribed
     * again after a broker restart, the broker drops what devices publish (ADR 0006).
     */
    INGEST_MQTT_RECONNECT_BASE_MS: backoffMsEnv('baseMs', 100),
    INGEST_MQTT_RECONNECT_CAP_MS: backoffMsEnv('capMs', 500),
    /**
     * How long the broker keeps this instance's sessions (and queues their share of telemetry)
     * after a connection is lost without a DISCONNECT. A planned shutdown ends them at once.
     */
    INGEST_MQTT_SESSION_EXPIRY_SEC: z.coerce.number().int().min(0).max(86_400).default(300),
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
    GATEWAY_ID: z.string().min(1).default(`gw-${hostname()}-${process.pid}`),
    OPS_PORT: z.coerce.number().int().min(0).max(65535).default(9470),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  })
  .superRefine((e, ctx) => {
    if (e.INGEST_MQTT_SUBSCRIPTION === 'exclusive' && e.INGEST_MQTT_CONNECTIONS !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['INGEST_MQTT_CONNECTIONS'],
        message: `must be 1 with INGEST_MQTT_SUBSCRIPTION=exclusive (every connection would receive every message), got ${e.INGEST_MQTT_CONNECTIONS}`,
      });
    }
  });

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export function loadGatewayEnv(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return parseEnvConfig(gatewayEnvSchema, env, 'ingest-gateway');
}

export const GATEWAY_ENV = Symbol('GATEWAY_ENV');
export const GATEWAY_REDIS = Symbol('GATEWAY_REDIS');
