import { z } from 'zod';
import { backoffMsEnv } from '@sousvide/loadtest-contracts';
import { brokerUrlSchema, envNumber, parseEnvConfig } from '@sousvide/shared-util';
import { addStorageEnvIssues, STORAGE_SECRETS, storageEnvShape } from '@sousvide/ingest-storage';
import {
  addServiceClientIssues,
  credentialEnvShape,
  MQTT_CLIENT,
  serviceConnection,
  withSecretFiles,
} from '@sousvide/security';
import { pipelineEnvShape } from '@sousvide/ingest-pipeline';
import { GATEWAY_SHARED_SUBSCRIPTION, TELEMETRY_TOPIC_FILTER } from '@sousvide/telemetry-schema';

/** Every secret of the gateway; each may come from `<name>_FILE` and has no default. */
export const GATEWAY_SECRETS = [...STORAGE_SECRETS, 'MQTT_PASSWORD'] as const;

/**
 * The gateway's environment, validated once at boot; a bad value names its variable, never a
 * secret (ADR 0031, 0033).
 */
export const gatewayEnvSchema = withSecretFiles(
  GATEWAY_SECRETS,
  z
    .object({
      ...storageEnvShape,
      ...pipelineEnvShape,
      MQTT_URL: brokerUrlSchema({ credentials: true }),
      /**
       * The gateway's broker identity (the provisioner's `--gateway-user`, default
       * `ingest-gateway`) and its password (`MQTT_PASSWORD_FILE`: the provisioner's
       * `<out>/gateway-password`); for `mqtts://` the CA (and client certificate for mutual TLS)
       * files `MQTT_TLS_{CA,CERT,KEY}_FILE`. Every connection of the gateway uses them.
       */
      ...credentialEnvShape('MQTT'),
      /**
       * MQTT connections this instance opens to the shared subscription. 4 (ADR 0043): Mosquitto
       * reads one packet per socket per turn of its loop, so a backlogged broker takes the
       * gateway's PUBACKs at most one per connection per turn, and each connection's unacked
       * window plus queue bounds what it holds before it drops acknowledged messages.
       */
      INGEST_MQTT_CONNECTIONS: envNumber(z.number().int().min(1).max(64).default(4)),
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
       * after a connection ends. What the sessions still hold is redelivered when this GATEWAY_ID
       * comes back, or drained by a surviving gateway that adopts them (ADR 0015).
       */
      INGEST_MQTT_SESSION_EXPIRY_SEC: envNumber(z.number().int().min(0).max(86_400).default(300)),
      /**
       * MQTT 5 Receive Maximum per connection: deliveries the broker may have unacknowledged on it.
       * Messages are acknowledged only once durable, so this bounds what a connection holds while
       * the store is slow (the broker queues the rest, up to its max_queued_messages). The MQTT
       * maximum by default: ADR 0013 measured a smaller window overflowing the broker's queue.
       */
      INGEST_MQTT_RECEIVE_MAXIMUM: envNumber(z.number().int().min(1).max(65_535).default(65_535)),
      /**
       * SIGTERM: the gateway stops reading at once and finishes what it holds within this many ms;
       * what is left is never acknowledged (the broker redelivers it). Keep it below the container
       * stop grace (compose: 30 s) minus the few seconds closing takes.
       */
      INGEST_SHUTDOWN_DEADLINE_MS: envNumber(
        z.number().int().min(100).max(600_000).default(20_000),
      ),
      /** Whether this instance drains the broker sessions of gateways that died (ADR 0015). */
      INGEST_ADOPT_SESSIONS: z.enum(['on', 'off']).default('on'),
      OPS_PORT: envNumber(z.number().int().min(0).max(65535).default(9470)),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    })
    .superRefine((e, ctx) => {
      addServiceClientIssues(e, ctx, MQTT_CLIENT);
      addStorageEnvIssues(e, ctx);
      if (e.INGEST_MQTT_SUBSCRIPTION === 'exclusive' && e.INGEST_MQTT_CONNECTIONS !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['INGEST_MQTT_CONNECTIONS'],
          message: `must be 1 with INGEST_MQTT_SUBSCRIPTION=exclusive (every connection would receive every message), got ${e.INGEST_MQTT_CONNECTIONS}`,
        });
      }
      const window = e.INGEST_MQTT_CONNECTIONS * e.INGEST_MQTT_RECEIVE_MAXIMUM;
      if (e.INGEST_MAX_BUFFERED >= window) {
        ctx.addIssue({
          code: 'custom',
          path: ['INGEST_MAX_BUFFERED'],
          message: `must be below INGEST_MQTT_CONNECTIONS x INGEST_MQTT_RECEIVE_MAXIMUM (${window}), or shedding never engages and a stalled store overflows the broker's queue; got ${e.INGEST_MAX_BUFFERED}`,
        });
      }
    }),
);

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export function loadGatewayEnv(env: NodeJS.ProcessEnv = process.env): GatewayEnv {
  return parseEnvConfig(gatewayEnvSchema, env, 'ingest-gateway');
}

export const GATEWAY_ENV = Symbol('GATEWAY_ENV');

/** The MQTT consumers' settings, from the environment's names to the consumers' own. */
export function consumerSettings(env: GatewayEnv) {
  return {
    broker: serviceConnection(env, MQTT_CLIENT),
    connections: env.INGEST_MQTT_CONNECTIONS,
    clientIdPrefix: env.GATEWAY_ID,
    sessionExpirySec: env.INGEST_MQTT_SESSION_EXPIRY_SEC,
    receiveMaximum: env.INGEST_MQTT_RECEIVE_MAXIMUM,
    topicFilter:
      env.INGEST_MQTT_SUBSCRIPTION === 'exclusive'
        ? TELEMETRY_TOPIC_FILTER
        : GATEWAY_SHARED_SUBSCRIPTION,
    reconnect: {
      baseMs: env.INGEST_MQTT_RECONNECT_BASE_MS,
      capMs: env.INGEST_MQTT_RECONNECT_CAP_MS,
    },
  };
}

export type ConsumerSettings = ReturnType<typeof consumerSettings>;
