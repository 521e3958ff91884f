import { z } from 'zod';
import { DEVICE_PASSWORD_SCHEME } from './device-credentials';

/** The broker files the provisioning tool can write. */
export const BROKER_AUTH_FORMATS = ['dynsec', 'passwd'] as const;
export type BrokerAuthFormat = (typeof BROKER_AUTH_FORMATS)[number];

/**
 * `fleet.json`: what was provisioned, without any secret. The simulator's preflight (phase 2)
 * reads it to check that a run's devices exist and that its fleet secret is the provisioned one.
 */
export const fleetManifestSchema = z.object({
  version: z.literal(1),
  createdAt: z.iso.datetime(),
  format: z.enum(BROKER_AUTH_FORMATS),
  /** File name of the broker's identities next to the manifest. */
  brokerFile: z.string().min(1),
  devices: z.object({
    count: z.number().int().min(1),
    prefix: z.string(),
    firstId: z.string().min(1),
    lastId: z.string().min(1),
    /** dynsec only: each device may connect only with its own id as client id. */
    clientIdBound: z.boolean(),
  }),
  passwordScheme: z.literal(DEVICE_PASSWORD_SCHEME),
  fleetSecretFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  gateway: z.object({ username: z.string().min(1) }),
  /**
   * The coordinator's `$SYS` probe identity (MQTT_MONITOR_USERNAME). Optional: manifests written
   * before it existed have none.
   */
  monitor: z.object({ username: z.string().min(1) }).optional(),
  hash: z.object({
    algorithm: z.literal('pbkdf2-sha512'),
    /** Rounds of the service identities' hashes (and of every hash in manifests without the next). */
    iterations: z.number().int().min(1),
    /** Rounds of the device identities' hashes (ADR 0059). Absent in manifests written before it. */
    deviceIterations: z.number().int().min(1).optional(),
  }),
});

export type FleetManifest = z.infer<typeof fleetManifestSchema>;
