import { z } from 'zod';
import { backoffMsEnv } from '@sousvide/loadtest-contracts';
import { parseEnvConfig } from '@sousvide/shared-util';
import { storageEnvShape } from '@sousvide/ingest-storage';
import { pipelineEnvShape } from '@sousvide/ingest-pipeline';
import { TELEMETRY_TOPIC_FILTER } from '@sousvide/telemetry-schema';

const url = (protocols: RegExp) => z.url({ protocol: protocols });

/** The gateway's environment, validated once at boot; a bad value names its variable. */
export const gatewayEnvSchema = z
  .object({
    ...storageEnvShape,
    ...pipelineEnvShape,
    MQTT_URL: url(/^(mqtt|mqtts|tcp)$/),
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

/** The MQTT consumers' settings, from the environment's names to the subscriber's own. */
export function subscriberSettings(env: GatewayEnv) {
  return {
    url: env.MQTT_URL,
    connections: env.INGEST_MQTT_CONNECTIONS,
    clientIdPrefix: env.GATEWAY_ID,
    sessionExpirySec: env.INGEST_MQTT_SESSION_EXPIRY_SEC,
    ...(env.INGEST_MQTT_SUBSCRIPTION === 'exclusive'
      ? { topicFilter: TELEMETRY_TOPIC_FILTER }
      : {}),
    reconnect: {
      baseMs: env.INGEST_MQTT_RECONNECT_BASE_MS,
      capMs: env.INGEST_MQTT_RECONNECT_CAP_MS,
    },
  };
}
